extension AttackConfig.Method {
    /// AutoAttack's APGD-T (Croce & Hein 2020): APGD on the targeted DLR loss
    /// −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2). Untargeted, it aims each restart at one of
    /// the `targetClasses` likeliest wrong classes of the clean image in turn, and any
    /// misclassification counts; with an explicit target it aims at that one.
    public static let apgdT = Self(
        name: "apgd-t", title: "APGD-T", summary: "APGD on the targeted DLR loss, aimed at the likeliest wrong classes in turn (L∞ or L2)",
        norms: [.linf, .l2], defaultSteps: 100, randomStart: true, stepSize: { 2 * $0.eps },
        refusesAlpha: "apgd-t sets its own step size (2ε, halved when progress stalls): drop alpha",
        fixedLoss: .dlr, atLeastAsStrongAsFGSM: true, aimsAtLikelyClasses: true,
        engine: .steps { APGDStep(steps: $0.steps) })
}
