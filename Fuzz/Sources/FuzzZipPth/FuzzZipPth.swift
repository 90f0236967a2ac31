import Foundation
import FuzzDriver
import LoupeNN
import LoupeTensor

/// PyTorch zip checkpoints (torch ≥ 1.6): ZIPFoundation, the restricted unpickler and
/// storage views; the seeds start with "PK".
@_cdecl("FuzzZipPth_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzz(argc, argv) { bytes in
        _ = try? decodeCheckpoint(Data(buffer: bytes), name: "fuzz", limits: fuzzLimits)
    }
}
