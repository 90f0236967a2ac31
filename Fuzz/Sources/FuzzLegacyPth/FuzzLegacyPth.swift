import Foundation
import FuzzDriver
import LoupeNN
import LoupeTensor

/// PyTorch legacy checkpoints: five pickles and raw storages back to back; the seeds start
/// with the pickle opcode 0x80.
@_cdecl("FuzzLegacyPth_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzz(argc, argv) { bytes in
        _ = try? decodeCheckpoint(Data(buffer: bytes), name: "fuzz", limits: fuzzLimits)
    }
}
