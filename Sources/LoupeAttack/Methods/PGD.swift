extension AttackConfig.Method {
    /// Madry et al. 2018: from a uniform random point of the ε-ball, steps of α along
    /// sign(∇) (L∞) or ∇/‖∇‖₂ (L2), each projected back onto the ball ∩ [0, 1].
    public static let pgd = Self(
        name: "pgd", title: "PGD", summary: "projected gradient descent from a random start (L∞ or L2)",
        norms: [.linf, .l2], randomStart: true, stepSize: madryStepSize,
        atLeastAsStrongAsFGSM: true, trainable: true,
        engine: .steps { ProjectedGradientStep(alpha: $0.stepSize) })

    /// An explicit α, else Madry et al.'s 2.5·ε/steps, so the whole ball is reachable
    /// from any start.
    static let madryStepSize: @Sendable (AttackConfig) -> Float = { $0.alpha ?? 2.5 * $0.eps / Float(max($0.steps, 1)) }
}

/// x ← P(x + α·step(∇)): the update of PGD, BIM and FGSM, which differ only in their
/// start, step size and number of steps.
struct ProjectedGradientStep: AttackStepRule {
    let alpha: Float

    func begin(at x: [Float], context: StepContext) {}

    func step(_ state: inout Void, _ x: inout [Float], sample i: Int, step: Int, gradient: inout [Float], row a: Int,
              context: StepContext) {
        context.move(&x, sample: i, along: gradient, row: a, by: alpha)
    }
}
