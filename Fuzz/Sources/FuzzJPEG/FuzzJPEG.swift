import Foundation
import LoupeData
import LoupeTensor

/// JPEG decoding (the libjpeg-turbo shim and the layout checks), through `Image.decode`, which picks the codec from the magic bytes.
let limits = ResourceLimits.default.cappingMemory(at: 256 << 20)

func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? Image.decode(Array(UnsafeBufferPointer(start: data, count: size)), name: "fuzz", limits: limits)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("FuzzJPEG_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var (count, args) = (argc, argv)
    return runDriver(&count, &args) { fuzz($0, $1) }
}
