import Foundation
import LoupeNN
import LoupeTensor

/// .safetensors: the JSON header, dtypes, shapes and data offsets. Limits are capped well under libFuzzer's 2 GiB
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

@_cdecl("FuzzSafeTensors_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var (count, args) = (argc, argv)
    return runDriver(&count, &args) { fuzz($0, $1) }
}
