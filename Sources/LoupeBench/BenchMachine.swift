import Foundation
import LoupeCLI
import LoupeTensor

/// The machine a benchmark ran on, recorded beside its figures (`"machine"` in every
/// `loupe bench … --json`): the CPU and the OpenBLAS core that ran the GEMMs.
enum BenchMachine {
    static var fields: [String: Any] {
        let cpu = CPUInfo.current, blas = BLASStatus.current
        return [
            "cpu": cpu.brand, "cpu_vendor": cpu.vendor, "cpu_family": cpu.family, "cpu_model": cpu.model,
            "cpu_features": cpu.features.names,
            "blas": blas.library, "blas_core": blas.core, "blas_core_selection": blas.selection,
            "blas_core_replaced": blas.replaced ?? NSNull(),
        ]
    }

    /// `fields` as one JSON object, keys sorted.
    static var json: String {
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
