import CLoupeFMAPeak
import Foundation
import LoupeTensor

/// The machine's single-precision FMA peak: what `threads` cores reach when they do nothing
/// but independent vector multiply-adds from registers. Every workload's GFLOP/s is a
/// fraction of it, the physical limit.
///
/// It checks itself: the same threads also run a chain of dependent multiplies (3 cycles
/// each) for the clock, so `flopsPerCycle` per thread should be lanes × 2 × FMA units,
/// e.g. 32 on Zen 4 (two 256-bit FMA pipes, AVX-512 on both at once) and on Haswell to
/// Alder Lake, 64 on a Xeon with two 512-bit FMA units.
struct FMAPeak: Sendable {
    let gflops: Double
    /// The widest loop that ran fastest: "avx512", "avx2" or "sse".
    let isa: String
    let threads: Int
    /// Clock during the measurement, from the dependent multiplies.
    let clockGHz: Double

    var flopsPerCycle: Double { gflops / Double(threads) / clockGHz }

    /// Each loop this CPU runs and the clock chain, on `threads` threads at once, in
    /// `repetitions` interleaved rounds (so a busy spell on a shared machine hits them alike);
    /// the best time of each; the fastest loop wins.
    static func measure(threads: Int, repetitions: Int, cpu: CPUInfo = .current) -> FMAPeak {
        // ~0.1 s a run at 4 GHz with two FMA units (longer with fewer).
        let rounds: Int64 = 20_000_000, clockRounds: Int64 = 1_000_000  // 300 M cycles
        var loops: [(isa: String, flops: Double, run: @Sendable () -> Void)] = []
        func add(_ isa: String, lanes: Int, _ loop: @escaping @Sendable (Int64) -> Float) {
            let flops = Double(threads) * Double(rounds) * Double(Int(LOUPE_PEAK_CHAINS) * lanes * 2)
            loops.append((isa, flops, { _ = loop(rounds) }))
        }
        #if arch(x86_64)
        add("sse", lanes: 4, loupe_peak_sse)
        if cpu.features.isSuperset(of: [.avx2, .fma]) { add("avx2", lanes: 8, loupe_peak_avx2) }
        if cpu.features.contains(.avx512f) { add("avx512", lanes: 16, loupe_peak_avx512) }
        let clock: @Sendable () -> Void = { _ = loupe_peak_clock(clockRounds) }
        #else
        let clock: @Sendable () -> Void = {}
        #endif
        let bodies = loops.map(\.run) + [clock]
        var best = [Double](repeating: .infinity, count: bodies.count)
        for round in 0...Swift.max(repetitions, 1) {  // round 0 warms up (and lifts the clock from idle)
            for (i, body) in bodies.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                DispatchQueue.concurrentPerform(iterations: threads) { _ in body() }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if round > 0 { best[i] = Swift.min(best[i], seconds) }
            }
        }
        let fastest = zip(loops, best).map { (isa: $0.isa, gflops: $0.flops / $1 / 1e9) }.max { $0.gflops < $1.gflops }
        let ghz = Double(clockRounds) * 300 / best[bodies.count - 1] / 1e9
        return FMAPeak(gflops: fastest?.gflops ?? .nan, isa: fastest?.isa ?? "none", threads: threads,
                       clockGHz: loops.isEmpty ? .nan : ghz)
    }

    /// `{"gflops": …, "isa": …, "threads": …, "clock_ghz": …, "flops_per_cycle_per_thread": …}`
    var json: String {
        "{\"gflops\": \(String(format: "%.2f", gflops)), \"isa\": \"\(isa)\", \"threads\": \(threads), "
            + "\"clock_ghz\": \(String(format: "%.3f", clockGHz)), "
            + "\"flops_per_cycle_per_thread\": \(String(format: "%.2f", flopsPerCycle))}"
    }
}
