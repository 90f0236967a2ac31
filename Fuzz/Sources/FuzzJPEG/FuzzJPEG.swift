import Foundation
import FuzzDriver
import LoupeData
import LoupeTensor

/// JPEG decoding (the libjpeg-turbo shim and the layout checks), through `Image.decode`, which picks the codec from the magic bytes.
@_cdecl("FuzzJPEG_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzz(argc, argv) { bytes in
        _ = try? Image.decode(Array(bytes), name: "fuzz", limits: fuzzLimits)
    }
}
