import Foundation
import FuzzDriver
import LoupeData
import LoupeTensor

/// IDX data sets (MNIST, Fashion-MNIST), plain or gzip with any number of members.
@_cdecl("FuzzIDX_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzz(argc, argv) { bytes in
        _ = try? IDX.decode(Array(bytes), name: "fuzz", limits: fuzzLimits)
    }
}
