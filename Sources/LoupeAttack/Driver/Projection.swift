import Foundation
import LoupeTensor

/// Per-sample geometry of the threat model on flat [N, D] pixel arrays: steps, random
/// starts and projections back onto the ε-ball ∩ [0, 1].
struct ThreatModel {
    let norm: AttackConfig.Norm
    let eps: Float

    /// Moves x[at..<at+count] by a step of size α along g[from..<from+count]: sign(g) for
    /// L∞, g/‖g‖₂ for L2.
    func step(_ x: inout [Float], at xStart: Int, gradient g: [Float], from gStart: Int, count: Int, alpha: Float) {
        switch norm {
        case .linf:
            for j in 0..<count {
                let v = g[gStart + j]
                x[xStart + j] += alpha * (v > 0 ? 1 : (v < 0 ? -1 : 0))
            }
        case .l2:
            var sq: Double = 0
            for j in 0..<count { sq += Double(g[gStart + j]) * Double(g[gStart + j]) }
            let scale = sq > 0 ? alpha / Float(sq.squareRoot()) : 0
            for j in 0..<count { x[xStart + j] += scale * g[gStart + j] }
        }
    }

    /// Projects x onto {x0 + δ : ‖δ‖ ≤ ε} ∩ [0, 1]. For L2 the ball projection comes
    /// first; clipping to [0, 1] afterwards can only shrink ‖δ‖, so both constraints hold.
    func project(_ x: inout [Float], origin x0: [Float], sample: Range<Int>) {
        switch norm {
        case .linf:
            for j in sample { x[j] = min(max(min(max(x[j], x0[j] - eps), x0[j] + eps), 0), 1) }
        case .l2:
            var sq: Double = 0
            for j in sample { let d = Double(x[j] - x0[j]); sq += d * d }
            let n = sq.squareRoot()
            let scale: Float = n > Double(eps) ? Float(Double(eps) / n) : 1
            for j in sample { x[j] = min(max(x0[j] + (x[j] - x0[j]) * scale, 0), 1) }
        }
    }

    /// A random point of the ε-ball around x0, keyed by the stream (sample, restart).
    func randomStart(_ x: inout [Float], origin x0: [Float], sample: Range<Int>, stream: RandomStream) {
        switch norm {
        case .linf:
            for (k, j) in sample.enumerated() { x[j] = x0[j] + eps * (2 * stream.uniform(at: UInt64(k)) - 1) }
        case .l2:
            // Uniform direction, radius uniform in [0, ε] (as torchattacks' PGDL2).
            var dir = [Float](repeating: 0, count: sample.count)
            var sq: Double = 0
            for k in dir.indices { dir[k] = stream.normal(at: UInt64(k)); sq += Double(dir[k] * dir[k]) }
            let r = eps * stream.uniform(at: UInt64(sample.count) * 2 + 1) / Float(max(sq.squareRoot(), 1e-12))
            for (k, j) in sample.enumerated() { x[j] = x0[j] + r * dir[k] }
        }
        project(&x, origin: x0, sample: sample)
    }

    /// ‖x − x0‖ per sample in both norms.
    static func distances(_ x: [Float], _ x0: [Float], sample: Range<Int>) -> (linf: Float, l2: Float) {
        var (mx, sq): (Float, Double) = (0, 0)
        for j in sample {
            let d = x[j] - x0[j]
            mx = max(mx, Swift.abs(d))
            sq += Double(d) * Double(d)
        }
        return (mx, Float(sq.squareRoot()))
    }
}
