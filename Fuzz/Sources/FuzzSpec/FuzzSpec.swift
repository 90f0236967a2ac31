import Foundation
import FuzzDriver
import LoupeNN
import LoupeTensor

/// Sequential YAML specs: parsing (Yams), the bounds on every size, and shape inference
/// in `build`. A small memory cap keeps each run fast: `build` allocates the weights.
let limits = ResourceLimits.default.withMemoryBudget(16 << 20)

@_cdecl("FuzzSpec_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzz(argc, argv) { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        if let spec = try? SequentialSpec.parse(text, file: "fuzz.yaml", limits: limits) {
            _ = try? spec.build(limits: limits)
        }
    }
}
