import LoupeTensor

/// The update of one iterative gradient attack. `AttackDriver` owns everything around
/// it (random-start keys, restarts, early stop, which samples go through the model,
/// which iterate is kept, re-judging), so a method is its state and its step.
/// Arrays are flat and sample-major: sample i holds x[i·d ..< (i+1)·d].
protocol AttackStepRule {
    /// What the method carries from step to step over one restart of a batch.
    associatedtype State
    /// Which iterate a sample returns.
    var keeps: KeptIterate { get }
    /// False for a score-based rule: the driver then only queries the model's outputs,
    /// and `step` gets no gradient rows.
    var usesGradient: Bool { get }
    /// State for one restart whose iterates start at `x` (after the random start).
    func begin(at x: [Float], context: StepContext) -> State
    /// A random point of the ε-ball around the origin for one sample.
    func randomStart(_ x: inout [Float], sample: Range<Int>, stream: RandomStream, context: StepContext)
    /// The loss at active sample i's iterate and the gradient there (row a; nil in the
    /// final round, which only evaluates).
    func observe(_ state: inout State, sample i: Int, step: Int, loss: Float, x: [Float], gradient: [Float]?, row a: Int,
                 context: StepContext)
    /// Moves sample i one step along row a of the gradient and projects it back onto the
    /// threat model. The row may be rewritten (momentum, a restart from the best point).
    func step(_ state: inout State, _ x: inout [Float], sample i: Int, step: Int, gradient: inout [Float], row a: Int,
              context: StepContext)
}

extension AttackStepRule {
    var keeps: KeptIterate { .latestSuccess }
    var usesGradient: Bool { true }
    func randomStart(_ x: inout [Float], sample: Range<Int>, stream: RandomStream, context: StepContext) {
        context.threat.randomStart(&x, origin: context.origin, sample: sample, stream: stream)
    }
    func observe(_ state: inout State, sample i: Int, step: Int, loss: Float, x: [Float], gradient: [Float]?, row a: Int,
                 context: StepContext) {}
}

/// What a step rule sees of one restart of the attack: the threat model, the clean
/// images, the settings and the randomness of each sample.
struct StepContext {
    let threat: ThreatModel
    /// The clean images, flat.
    let origin: [Float]
    let samples: Int
    /// Pixels per sample.
    let d: Int
    /// [C, H, W] of one sample.
    let sampleShape: [Int]
    let config: AttackConfig
    /// Sample i's stream for this restart, keyed by (seed, sample id, restart): the random
    /// start draws from it and a rule derives its per-step draws from it, so results do not
    /// depend on the batch a sample is in.
    let stream: (Int) -> RandomStream

    /// x_i ← P(x_i + α·step(g_a)): a step of size α along row a of `gradient` (sign for
    /// L∞, unit L2 direction for L2), then the projection onto the ball ∩ [0, 1].
    func move(_ x: inout [Float], sample i: Int, along gradient: [Float], row a: Int, by alpha: Float) {
        threat.step(&x, at: i * d, gradient: gradient, from: a * d, count: d, alpha: alpha)
        threat.project(&x, origin: origin, sample: i * d..<(i + 1) * d)
    }
}

/// Which of its iterates a sample returns from one restart.
enum KeptIterate {
    /// The latest successful iterate, or the latest one while none has succeeded, so more
    /// steps can never undo a success.
    case latestSuccess
    /// The best iterate: a success over a failure, else the higher loss (Croce & Hein's x_best).
    case best

    /// Whether an iterate that `hit` with `loss` replaces the kept one.
    func replaces(hit: Bool, loss: Float, keptSuccess: Bool, keptLoss: Float) -> Bool {
        switch self {
        case .latestSuccess: return hit || !keptSuccess
        case .best: return hit && !keptSuccess || hit == keptSuccess && loss > keptLoss
        }
    }
}
