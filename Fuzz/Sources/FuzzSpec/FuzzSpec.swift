import Foundation
import LoupeNN
import LoupeTensor

/// Sequential YAML specs: parsing (Yams), the bounds on every size, and shape inference
/// in `build`. A small memory cap keeps each run fast: `build` allocates the weights.
let limits = ResourceLimits.default.cappingMemory(at: 16 << 20)

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let spec = try? SequentialSpec.parse(text, file: "fuzz.yaml", limits: limits) {
        _ = try? spec.build(limits: limits)
    }
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzSpec_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var (count, args) = (argc, argv)
    return runDriver(&count, &args) { fuzz($0, $1) }
}
