import LoupeTensor

/// Where APGD (Croce & Hein 2020, Algorithm 1) may halve its step size.
public enum APGDSchedule {
    /// Checkpoints w_j = ⌈p_j·N⌉ for p_0 = 0, p_1 = 0.22 and
    /// p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06), while p_j ≤ 1, without repeats.
    /// The p_j are kept in integer hundredths: in floating point 0.22·100 is
    /// 22.000000000000004, whose ceiling would move the first checkpoint to 23.
    /// (The reference code instead shrinks integer intervals, ⌊0.22N⌋, ⌊0.03N⌋, ⌊0.06N⌋,
    /// which agrees for N = 100 but not for e.g. N = 20.)
    public static func checkpoints(steps n: Int) -> [Int] {
        var p = [0, 22]
        while true {
            let j = p.count - 1
            let next = p[j] + max(p[j] - p[j - 1] - 3, 6)
            if next > 100 { break }
            p.append(next)
        }
        var w: [Int] = []
        for q in p {
            let v = (q * max(n, 0) + 99) / 100
            if w.last != v { w.append(v) }
        }
        return w
    }
}

/// One sample's APGD step size η and the counters its two halving conditions need.
public struct APGDStepSize: Sendable, Equatable {
    /// ρ: fewer than this fraction of loss increases between checkpoints means oscillation.
    public static let rho: Float = 0.75
    public private(set) var eta: Float
    private var lastLoss: Float
    private var increases = 0
    private var comparisons = 0
    private var bestAtLastCheckpoint: Float
    private var halvedAtLastCheckpoint = false

    /// η starts at 2ε (APGD's η^(0)); `startLoss` is f(x^(0)).
    public init(eta: Float, startLoss: Float) {
        (self.eta, lastLoss, bestAtLastCheckpoint) = (eta, startLoss, startLoss)
    }

    /// The loss of the next iterate, f(x^(k+1)), compared with f(x^(k)).
    public mutating func observe(_ loss: Float) {
        if loss > lastLoss { increases += 1 }
        comparisons += 1
        lastLoss = loss
    }

    /// At checkpoint w_j with the best loss so far f_max; true when η was halved, after
    /// which the caller restarts from x_max. Condition 1: the loss rose on fewer than
    /// ρ·(w_j − w_{j−1}) of the steps since the last checkpoint. Condition 2: η was not
    /// halved at the last checkpoint and f_max has not improved since. (As in the paper,
    /// condition 2 can hold at the first checkpoint, where the reference code skips it.)
    public mutating func checkpoint(bestLoss: Float) -> Bool {
        let oscillating = Float(increases) < Self.rho * Float(comparisons)
        let stalled = !halvedAtLastCheckpoint && !(bestLoss > bestAtLastCheckpoint)
        let halve = oscillating || stalled
        if halve { eta /= 2 }
        (halvedAtLastCheckpoint, bestAtLastCheckpoint, increases, comparisons) = (halve, bestLoss, 0, 0)
        return halve
    }
}

extension AttackConfig.Method {
    /// Croce & Hein 2020's APGD: PGD whose step size starts at 2ε and halves per sample
    /// at checkpoints when progress stalls, restarting from the best point so far, with a
    /// heavy-ball momentum term; each sample returns its best iterate.
    public static let apgd = Self(
        name: "apgd", title: "APGD", summary: "auto-PGD: step size adapted per sample (L∞ or L2)",
        norms: [.linf, .l2], defaultSteps: 100, randomStart: true, stepSize: { 2 * $0.eps },
        refusesAlpha: "apgd sets its own step size (2ε, halved when progress stalls): drop alpha",
        atLeastAsStrongAsFGSM: true,
        engine: .steps { APGDStep(steps: $0.steps) })
}

/// APGD's update (Croce & Hein 2020, Algorithm 1) on top of the driver's loop.
struct APGDStep: AttackStepRule {
    /// x^(k+1) = P(x^(k) + α(z − x^(k)) + (1 − α)(x^(k) − x^(k−1))) with α = 0.75 after the first step.
    static let momentum: Float = 0.75
    /// The checkpoints after w_0 = 0, where η may halve.
    let checkpoints: Set<Int>

    init(steps: Int) { checkpoints = Set(APGDSchedule.checkpoints(steps: steps).dropFirst()) }

    var keeps: KeptIterate { .best }

    struct State {
        /// x^(k−1) and the projected gradient step z^(k+1).
        var previous: [Float]
        var z: [Float]
        /// x_max, f_max and the gradient at x_max, for restarts after a halving.
        var maxX: [Float]
        var maxLoss: [Float]
        var maxGradient: [Float]
        var control: [APGDStepSize]
    }

    func begin(at x: [Float], context: StepContext) -> State {
        let n = context.samples
        return State(previous: x, z: x, maxX: x, maxLoss: [Float](repeating: -.infinity, count: n),
                     maxGradient: [Float](repeating: 0, count: x.count),
                     control: [APGDStepSize](repeating: APGDStepSize(eta: 2 * context.config.eps, startLoss: 0), count: n))
    }

    /// The L∞ start is PGD's uniform one; for L2 a Gaussian direction scaled to the
    /// sphere of radius ε (as the reference code), then clipped to [0, 1].
    func randomStart(_ x: inout [Float], sample: Range<Int>, stream: RandomStream, context: StepContext) {
        let threat = context.threat
        guard threat.norm == .l2 else {
            threat.randomStart(&x, origin: context.origin, sample: sample, stream: stream)
            return
        }
        var direction = [Float](repeating: 0, count: sample.count)
        var sq: Double = 0
        for k in direction.indices {
            direction[k] = stream.normal(at: UInt64(k))
            sq += Double(direction[k]) * Double(direction[k])
        }
        let scale = sq > 0 ? Float(Double(threat.eps) / sq.squareRoot()) : 0
        for (k, j) in sample.enumerated() { x[j] = context.origin[j] + scale * direction[k] }
        threat.project(&x, origin: context.origin, sample: sample)
    }

    func observe(_ state: inout State, sample i: Int, step: Int, loss: Float, x: [Float], gradient: [Float]?, row a: Int,
                 context: StepContext) {
        let d = context.d
        if step == 0 {
            state.control[i] = APGDStepSize(eta: 2 * context.config.eps, startLoss: loss)
        } else {
            state.control[i].observe(loss)
        }
        if step == 0 || loss > state.maxLoss[i] {
            for j in 0..<d { state.maxX[i * d + j] = x[i * d + j] }
            if let gradient { for j in 0..<d { state.maxGradient[i * d + j] = gradient[a * d + j] } }
            state.maxLoss[i] = loss
        }
    }

    func step(_ state: inout State, _ x: inout [Float], sample i: Int, step: Int, gradient: inout [Float], row a: Int,
              context: StepContext) {
        let d = context.d, range = i * d..<(i + 1) * d
        if checkpoints.contains(step) && state.control[i].checkpoint(bestLoss: state.maxLoss[i]) {
            for j in 0..<d {
                x[i * d + j] = state.maxX[i * d + j]
                gradient[a * d + j] = state.maxGradient[i * d + j]
            }
        }
        for j in range { state.z[j] = x[j] }
        context.move(&state.z, sample: i, along: gradient, row: a, by: state.control[i].eta)
        let momentum: Float = step == 0 ? 1 : Self.momentum
        for j in range {
            let next = x[j] + momentum * (state.z[j] - x[j]) + (1 - momentum) * (x[j] - state.previous[j])
            state.previous[j] = x[j]
            x[j] = next
        }
        context.threat.project(&x, origin: context.origin, sample: range)
    }
}
