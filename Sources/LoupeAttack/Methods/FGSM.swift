extension AttackConfig.Method {
    /// Goodfellow et al. 2015: x' = clip(x + ε·sign(∇ₓ loss), 0, 1), one step to the
    /// corner of the L∞ ball, so neither α nor more steps nor restarts change it. From a
    /// random start (Wong et al. 2020's fast adversarial training, "RS-FGSM") the step is
    /// α, by default their 1.25ε, then projected onto the ball.
    public static let fgsm = Self(
        name: "fgsm", title: "FGSM", summary: "fast gradient sign method: one step of ε (L∞)",
        norms: [.linf], unsupportedNorm: "fgsm is an L∞ attack; use pgd --norm l2 (or bim) for L2",
        defaultSteps: 1, fixedSteps: 1, randomStart: false, stepSize: { $0.randomStart ? $0.alpha ?? 1.25 * $0.eps : $0.eps },
        restartable: false, plotsSteps: false, trainable: true,
        engine: .steps { ProjectedGradientStep(alpha: $0.stepSize) })
}
