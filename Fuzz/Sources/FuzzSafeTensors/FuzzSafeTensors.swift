import Foundation
import FuzzDriver
import LoupeNN
import LoupeTensor

/// .safetensors: the JSON header, dtypes, shapes and data offsets.
@_cdecl("FuzzSafeTensors_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzz(argc, argv) { bytes in
        _ = try? decodeCheckpoint(Data(buffer: bytes), name: "fuzz", limits: fuzzLimits)
    }
}
