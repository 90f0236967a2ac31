import Foundation
import LoupeCLI
import LoupeTensor

/// Kernel throughput measured against the machine's own SGEMM ceiling, so the figures
/// say how close the conv kernels come to what the BLAS can do here, and against the FMA
/// peak, what the cores can do at all.
public struct KernelBenchReport: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let gflops: Double
        public let fractionOfSGEMM: Double
        public let fractionOfPeak: Double
    }

    public let sgemmGFLOPS: Double
    let peak: FMAPeak
    public let kernels: [Entry]

    public var peakGFLOPS: Double { peak.gflops }

    /// `{"sgemm_gflops": G, "sgemm_fraction_of_peak": f, "fma_peak": {…}, "machine": {…}, "kernel_variant": "avx512",
    /// "kernels": [{"name": …, "gflops": x, "fraction_of_sgemm": f, "fraction_of_peak": p}]}`
    public var json: String {
        let entries = kernels.map {
            "{\"name\": \"\($0.name)\", \"gflops\": \(fmt($0.gflops, 2)), \"fraction_of_sgemm\": \(fmt($0.fractionOfSGEMM, 3)), "
                + "\"fraction_of_peak\": \(fmt($0.fractionOfPeak, 3))}"
        }
        return "{\"sgemm_gflops\": \(fmt(sgemmGFLOPS, 2)), \"sgemm_fraction_of_peak\": \(fmt(sgemmGFLOPS / peak.gflops, 3)), "
            + "\"fma_peak\": \(peak.json), "
            + "\"machine\": \(BenchMachine.json), "
            + "\"kernel_variant\": \"\(KernelPolicy.current.kernels.rawValue)\", "
            + "\"kernels\": [\(entries.joined(separator: ", "))]}"
    }

    public var table: String {
        func row(_ name: String, _ gflops: String, _ fraction: String, _ ofPeak: String) -> String {
            name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(repeating: " ", count: Swift.max(0, 10 - gflops.count)) + gflops
                + String(repeating: " ", count: Swift.max(0, 12 - fraction.count)) + fraction
                + String(repeating: " ", count: Swift.max(0, 10 - ofPeak.count)) + ofPeak
        }
        var lines = [row("kernel", "GFLOP/s", "of sgemm", "of peak"),
                     row("fma peak (\(peak.isa))", fmt(peak.gflops, 2), "", "1.000"),
                     row("sgemm 1024³", fmt(sgemmGFLOPS, 2), "1.000", fmt(sgemmGFLOPS / peak.gflops, 3))]
        for k in kernels { lines.append(row(k.name, fmt(k.gflops, 2), fmt(k.fractionOfSGEMM, 3), fmt(k.fractionOfPeak, 3))) }
        lines.append("fma peak: \(peak.threads) threads at \(fmt(peak.clockGHz, 2)) GHz, \(fmt(peak.flopsPerCycle, 1)) flops/cycle/thread")
        lines.append("BLAS: \(BLASStatus.current)")
        return lines.joined(separator: "\n")
    }

    private func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
}

public enum KernelBench {
    /// One convolution of the suite, timed as forward + input gradient (frozen weight).
    struct ConvCase {
        let name: String
        let channels: Int, outChannels: Int, size: Int, kernel: Int, padding: Int, groups: Int
        /// Forces the im2col path for 3×3 convs that would take Winograd's (a comparison line).
        var im2col = false

        /// 2 × (2·N·Cout·Hout·Wout·(Cin/groups)·k·k): forward and input gradient cost the same.
        func flops(batch: Int) -> Double {
            2 * 2 * Double(batch * outChannels * size * size * (channels / groups) * kernel * kernel)
        }
    }

    static let cases = [
        ConvCase(name: "conv3x3_1_28", channels: 1, outChannels: 32, size: 28, kernel: 3, padding: 1, groups: 1),
        ConvCase(name: "conv3x3_3_224", channels: 3, outChannels: 64, size: 224, kernel: 3, padding: 1, groups: 1),
        ConvCase(name: "conv3x3_64_56", channels: 64, outChannels: 64, size: 56, kernel: 3, padding: 1, groups: 1),
        ConvCase(name: "conv3x3_64_56_im2col", channels: 64, outChannels: 64, size: 56, kernel: 3, padding: 1,
                 groups: 1, im2col: true),
        ConvCase(name: "conv3x3_256_14", channels: 256, outChannels: 256, size: 14, kernel: 3, padding: 1, groups: 1),
        ConvCase(name: "conv3x3_256_14_im2col", channels: 256, outChannels: 256, size: 14, kernel: 3, padding: 1,
                 groups: 1, im2col: true),
        ConvCase(name: "conv1x1_192_28", channels: 192, outChannels: 32, size: 28, kernel: 1, padding: 0, groups: 1),
        ConvCase(name: "depthwise5x5_480_14", channels: 480, outChannels: 480, size: 14, kernel: 5, padding: 2,
                 groups: 480),
    ]

    /// Runs the suite with `threads` workers: the FMA peak on as many threads, SGEMM 1024³
    /// through Loupe's GEMM wrapper, then
    /// each conv at `batch` (those whose name contains `filter`, if given). Every figure is
    /// the best of `repetitions` timings after a warm-up, taken in interleaved rounds (SGEMM,
    /// then each kernel, round after round) so that a busy spell on a shared machine hits
    /// the ceiling and the kernels alike rather than skewing their ratio.
    public static func run(
        threads: Int = 2, batch: Int = 8, repetitions: Int = 10, only filter: String? = nil
    ) throws -> KernelBenchReport {
        let policy = KernelPolicy.current.with { $0.threads = threads }
        return try KernelPolicy.$current.withValue(policy) {
            try run(policy, batch: batch, repetitions: repetitions, only: filter)
        }
    }

    private static func run(
        _ policy: KernelPolicy, batch: Int, repetitions: Int, only filter: String?
    ) throws -> KernelBenchReport {
        let n = 1024
        let a = try Tensor.randomNormal([n, n], stream: RandomStream(seed: 1, key: [1]))
        let b = try Tensor.randomNormal([n, n], stream: RandomStream(seed: 1, key: [2]))
        var bodies: [() throws -> Void] = [{ _ = try Autograd.noGrad { try a.matmul(b) } }]
        var flops = [2 * Double(n * n * n)]
        let selected = cases.filter { c in filter.map { c.name.contains($0) } ?? true }
        for c in selected {
            let x = try Tensor.randomNormal([batch, c.channels, c.size, c.size], stream: RandomStream(seed: 2, key: [3]))
                .requiringGrad()
            let w = try Tensor.randomNormal([c.outChannels, c.channels / c.groups, c.kernel, c.kernel],
                                            std: 0.1, stream: RandomStream(seed: 2, key: [4]))
            let seed = try Tensor.randomNormal([batch, c.outChannels, c.size, c.size], stream: RandomStream(seed: 2, key: [5]))
            let forced = policy.with { $0.winograd = policy.winograd && !c.im2col }
            bodies.append {
                try KernelPolicy.$current.withValue(forced) {
                    x.zeroGrad()
                    let y = try x.conv2d(weight: w, padding: .symmetric(c.padding), groups: c.groups)
                    try y.backward(seed: seed)
                }
            }
            flops.append(c.flops(batch: batch))
        }

        var best = [Double](repeating: .infinity, count: bodies.count)
        for body in bodies { for _ in 0..<2 { try body() } }
        for _ in 0..<Swift.max(repetitions, 1) {
            for (i, body) in bodies.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                best[i] = Swift.min(best[i], Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        let peak = FMAPeak.measure(threads: policy.threads, repetitions: Swift.min(repetitions, 5))
        let gflops = zip(flops, best).map { $0 / $1 / 1e9 }
        let entries = zip(selected, gflops.dropFirst()).map { c, g in
            KernelBenchReport.Entry(name: c.name, gflops: g, fractionOfSGEMM: g / gflops[0], fractionOfPeak: g / peak.gflops)
        }
        return KernelBenchReport(sgemmGFLOPS: gflops[0], peak: peak, kernels: entries)
    }
}
