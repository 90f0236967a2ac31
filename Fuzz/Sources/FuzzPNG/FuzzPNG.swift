import Foundation
import FuzzDriver
import LoupeData
import LoupeTensor

/// PNG decoding (libpng's simplified API and the layout checks), through `Image.decode`, which picks the codec from the magic bytes.
@_cdecl("FuzzPNG_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzz(argc, argv) { bytes in
        _ = try? Image.decode(Array(bytes), name: "fuzz", limits: fuzzLimits)
    }
}
