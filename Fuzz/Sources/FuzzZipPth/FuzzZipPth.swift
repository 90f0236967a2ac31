import Foundation
import LoupeNN
import LoupeTensor

/// PyTorch zip checkpoints (torch ≥ 1.6): ZIPFoundation, the restricted unpickler, storage views; the seeds start with "PK". Limits are capped well under libFuzzer's 2 GiB
/// malloc limit, so an allocation the budget should have refused is reported as a crash.
let limits = ResourceLimits.default.cappingMemory(at: 256 << 20)

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? decodeCheckpoint(Data(bytes: data, count: size), name: "fuzz", limits: limits)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzZipPth_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var (count, args) = (argc, argv)
    return runDriver(&count, &args) { fuzz($0, $1) }
}
