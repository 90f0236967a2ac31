import Foundation
import LoupeTensor

extension AttackConfig.Method {
    /// Andriushchenko et al. 2020's Square attack: a random search that reads only the
    /// model's logits. Each query changes one random square window of the best point so far
    /// and keeps the change when the margin loss improves; the window shrinks on the
    /// paper's schedule. Needing no gradient, it breaks models that mask theirs.
    public static let square = Self(
        name: "square", title: "Square", summary: "score-based random search over squares, no gradients (L∞ or L2)",
        norms: [.linf, .l2], randomStart: true, stepSize: { $0.eps },
        refusesAlpha: "square has no step size (its squares change pixels by up to 2ε): drop alpha",
        fixedLoss: .margin, plotsSteps: false, blackBox: true,
        engine: .steps { SquareSearch(queries: $0.queries, eps: $0.eps) })
}

/// The fraction p of the image a square covers at proposal k of a budget of `queries`
/// (Andriushchenko et al. 2020, Appendix; AutoAttack's `p_selection`): p_init = 0.8,
/// halved at the paper's checkpoints 10, 50, 200, 500, 1000, 2000, 4000, 6000 and 8000 of
/// 10,000 queries, rescaled to the budget.
public enum SquareSchedule {
    public static let pInit = 0.8
    static let checkpoints = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000]

    public static func p(proposal k: Int, queries: Int) -> Double {
        let it = Int(Double(k) / Double(max(queries, 1)) * 10000)
        let halvings = checkpoints.filter { it > $0 }.count
        return pInit / Double(1 << halvings)
    }

    /// Side of the square in pixels: √(p·H·W) rounded, at least 1 (L∞) or an odd number
    /// ≥ 3 (L2, so its two halves of opposite sign have a center), at most the image.
    public static func side(p: Double, height: Int, width: Int, norm: AttackConfig.Norm) -> Int {
        var s = Int((p * Double(height * width)).squareRoot().rounded())
        switch norm {
        case .linf: s = max(s, 1)
        case .l2: s = max(s, 3); if s % 2 == 0 { s += 1 }
        }
        return min(s, height, width)
    }
}

/// Square's search as a score-based step rule: `observe` accepts a proposal when its loss
/// beats the best so far, `step` proposes the next one from the best. The driver counts
/// every evaluation as a query and stops a sample once it is misclassified.
struct SquareSearch: AttackStepRule {
    let queries: Int
    let eps: Float

    var usesGradient: Bool { false }
    var keeps: KeptIterate { .best }

    /// Per sample the best point and its loss.
    struct State {
        var best: [Float]
        var bestLoss: [Float]
    }

    func begin(at x: [Float], context: StepContext) -> State {
        State(best: x, bestLoss: [Float](repeating: -.infinity, count: context.samples))
    }

    /// L∞: vertical stripes, each column of each channel at +ε or −ε. L2: a 5×5 grid of
    /// blocks, each a pair of opposite-signed peaks of random sign per channel, scaled to
    /// ‖δ‖₂ = ε. Both are clipped to [0, 1].
    func randomStart(_ x: inout [Float], sample: Range<Int>, stream: RandomStream, context: StepContext) {
        let (c, h, w) = shape(context)
        let draw = stream.derived(Self.startDraws)
        let x0 = context.origin
        switch context.threat.norm {
        case .linf:
            for ch in 0..<c {
                for col in 0..<w {
                    let sign: Float = draw.uniform(at: UInt64(ch * w + col)) < 0.5 ? -1 : 1
                    for row in 0..<h {
                        let j = sample.lowerBound + (ch * h + row) * w + col
                        x[j] = min(max(x0[j] + eps * sign, 0), 1)
                    }
                }
            }
        case .l2:
            var delta = [Float](repeating: 0, count: c * h * w)
            let s = max(h / 5, 1)
            let blocksDown = h / s, blocksAcross = w / s
            let top = max((h - 5 * s) / 2, 0), left = max((w - 5 * s) / 2, 0)
            let peak = Self.eta(s, transposed: false)
            var index: UInt64 = 0
            for by in 0..<blocksDown {
                for bx in 0..<blocksAcross {
                    for ch in 0..<c {
                        let sign: Float = draw.uniform(at: index) < 0.5 ? -1 : 1
                        index += 1
                        for r in 0..<s where top + by * s + r < h {
                            for q in 0..<s where left + bx * s + q < w {
                                delta[(ch * h + top + by * s + r) * w + left + bx * s + q] += sign * peak[r * s + q]
                            }
                        }
                    }
                }
            }
            place(delta, into: &x, sample: sample, context: context)
        }
    }

    func observe(_ state: inout State, sample i: Int, step: Int, loss: Float, x: [Float], gradient: [Float]?, row a: Int,
                 context: StepContext) {
        guard step == 0 || loss > state.bestLoss[i] else { return }
        let d = context.d
        for j in i * d..<(i + 1) * d { state.best[j] = x[j] }
        state.bestLoss[i] = loss
    }

    /// Proposal `step` (0-based) for sample i, written into x.
    func step(_ state: inout State, _ x: inout [Float], sample i: Int, step: Int, gradient: inout [Float], row a: Int,
              context: StepContext) {
        let (c, h, w) = shape(context)
        let d = context.d, range = i * d..<(i + 1) * d
        let draw = context.stream(i).derived(Self.proposalDraws, UInt64(step))
        let s = SquareSchedule.side(p: SquareSchedule.p(proposal: step, queries: queries), height: h, width: w,
                                    norm: context.threat.norm)
        // Every position of the window, the last row and column included.
        func corner(_ u: UInt64) -> (Int, Int) {
            (min(Int(draw.uniform(at: u) * Float(h - s + 1)), h - s), min(Int(draw.uniform(at: u + 1) * Float(w - s + 1)), w - s))
        }
        func sign(_ ch: Int) -> Float { draw.uniform(at: UInt64(8 + ch)) < 0.5 ? -1 : 1 }
        let (vh, vw) = corner(0)
        let x0 = context.origin
        switch context.threat.norm {
        case .linf:
            for j in range { x[j] = state.best[j] }
            for ch in 0..<c {
                let change = 2 * eps * sign(ch)
                for r in vh..<vh + s {
                    for q in vw..<vw + s {
                        let j = range.lowerBound + (ch * h + r) * w + q
                        x[j] = min(max(min(max(state.best[j] + change, x0[j] - eps), x0[j] + eps), 0), 1)
                    }
                }
            }
        case .l2:
            // Move the energy of the perturbation in a second window (vh2, vw2) into the
            // first, as a new pair of peaks on top of what was there, keeping ‖δ‖₂ = ε.
            let (vh2, vw2) = corner(2)
            var delta = (0..<d).map { state.best[range.lowerBound + $0] - x0[range.lowerBound + $0] }
            func inFirst(_ r: Int, _ q: Int) -> Bool { r >= vh && r < vh + s && q >= vw && q < vw + s }
            func inSecond(_ r: Int, _ q: Int) -> Bool { r >= vh2 && r < vh2 + s && q >= vw2 && q < vw2 + s }
            let imageNorm = Self.norm(delta)
            let peak = Self.eta(s, transposed: draw.uniform(at: 4) < 0.5)
            var fresh = [Float](repeating: 0, count: c * s * s)
            for ch in 0..<c {
                var first: Double = 0, union: Double = 0
                for r in 0..<h {
                    for q in 0..<w {
                        let v = Double(delta[(ch * h + r) * w + q])
                        if inFirst(r, q) { first += v * v }
                        if inFirst(r, q) || inSecond(r, q) { union += v * v }
                    }
                }
                let firstNorm = Float(first.squareRoot())
                var block = [Float](repeating: 0, count: s * s)
                for r in 0..<s {
                    for q in 0..<s {
                        block[r * s + q] = peak[r * s + q] * sign(ch) + delta[(ch * h + vh + r) * w + vw + q] / (1e-12 + firstNorm)
                    }
                }
                let spare = max(Double(eps) * Double(eps) - Double(imageNorm) * Double(imageNorm), 0) / Double(c)
                let scale = Float((spare + union).squareRoot()) / (1e-12 + Self.norm(block))
                for k in 0..<s * s { fresh[ch * s * s + k] = block[k] * scale }
            }
            for ch in 0..<c {
                for r in vh2..<vh2 + s { for q in vw2..<vw2 + s { delta[(ch * h + r) * w + q] = 0 } }
                for r in 0..<s { for q in 0..<s { delta[(ch * h + vh + r) * w + vw + q] = fresh[ch * s * s + r * s + q] } }
            }
            place(delta, into: &x, sample: range, context: context)
        }
    }

    /// x = clip(x0 + ε·δ/‖δ‖₂, 0, 1): the L2 variant always spends its whole budget.
    private func place(_ delta: [Float], into x: inout [Float], sample: Range<Int>, context: StepContext) {
        let scale = eps / (Self.norm(delta) + 1e-12)
        for (k, j) in sample.enumerated() { x[j] = min(max(context.origin[j] + delta[k] * scale, 0), 1) }
    }

    private func shape(_ context: StepContext) -> (Int, Int, Int) {
        let s = context.sampleShape
        return (s[0], s[1], s[2])
    }

    static func norm(_ v: [Float]) -> Float {
        var sq: Double = 0
        for x in v { sq += Double(x) * Double(x) }
        return Float(sq.squareRoot())
    }

    /// Stream tags that keep the start's draws apart from the proposals'.
    static let startDraws: UInt64 = 0x5351_5541_5245_0001
    static let proposalDraws: UInt64 = 0x5351_5541_5245_0002

    /// The L2 proposal shape of side s, unit L2 norm: the top ⌊s/2⌋ rows a peak, the rest
    /// the same peak negated, each peak a sum of nested rectangles weighted 1/(k+1)²
    /// (Andriushchenko et al. 2020, Sec. 3.2); transposed on request.
    static func eta(_ s: Int, transposed: Bool) -> [Float] {
        var m = [Float](repeating: 0, count: s * s)
        let top = rectangles(s / 2, s), bottom = rectangles(s - s / 2, s)
        for r in 0..<s / 2 { for q in 0..<s { m[r * s + q] = top[r * s + q] } }
        for r in 0..<(s - s / 2) { for q in 0..<s { m[(s / 2 + r) * s + q] = -bottom[r * s + q] } }
        let n = norm(m)
        if n > 0 { for k in m.indices { m[k] /= n } }
        guard transposed else { return m }
        return (0..<s * s).map { m[($0 % s) * s + $0 / s] }
    }

    /// An a×b peak: rectangles growing from the center by one pixel per side, the k-th
    /// adding 1/(k+1)², normalized to unit L2 norm.
    static func rectangles(_ a: Int, _ b: Int) -> [Float] {
        guard a > 0 && b > 0 else { return [] }
        var m = [Float](repeating: 0, count: a * b)
        let (ca, cb) = (a / 2 + 1, b / 2 + 1)
        var (r0, q0) = (ca - 1, cb - 1)
        for k in 0..<max(ca, cb) {
            let weight = 1 / Float((k + 1) * (k + 1))
            for r in max(r0, 0)..<min(r0 + 2 * k + 1, a) {
                for q in max(q0, 0)..<min(q0 + 2 * k + 1, b) { m[r * b + q] += weight }
            }
            r0 -= 1
            q0 -= 1
        }
        let n = norm(m)
        return m.map { $0 / n }
    }
}
