extension AttackConfig.Method {
    /// Kurakin et al. 2017's basic iterative method: PGD's steps from the clean image.
    public static let bim = Self(
        name: "bim", title: "BIM", summary: "basic iterative method: projected steps from the clean image (L∞ or L2)",
        norms: [.linf, .l2], randomStart: false, stepSize: madryStepSize,
        engine: .steps { ProjectedGradientStep(alpha: $0.stepSize) })
}
