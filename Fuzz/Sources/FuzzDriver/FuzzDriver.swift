import LoupeTensor

/// Limits every target parses under: well below libFuzzer's 2 GiB malloc limit, so an
/// allocation the budget should have refused is reported as a crash.
public let fuzzLimits = ResourceLimits.default.withMemoryBudget(256 << 20)

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

/// The one input consumer of this process; libFuzzer's callback is a C function pointer,
/// which cannot capture it.
nonisolated(unsafe) private var consume: ((UnsafeBufferPointer<UInt8>) -> Void)?

/// Hands the command line to libFuzzer's driver, which feeds every input to `body`. A
/// target passes only if `body` returns (a parser may throw; it may not trap or overrun).
public func fuzz(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                 _ body: @escaping (UnsafeBufferPointer<UInt8>) -> Void) -> CInt {
    consume = body
    var (count, args) = (argc, argv)
    return runDriver(&count, &args) { data, size in
        consume?(UnsafeBufferPointer(start: data, count: size))
        return 0
    }
}
