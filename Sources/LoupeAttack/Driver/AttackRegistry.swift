extension AttackConfig.Method: CaseIterable {
    /// Every attack, one line each, in the order help text lists them.
    public static let allCases: [Self] = [
        .fgsm,
        .bim,
        .pgd,
        .mifgsm,
        .apgd,
        .apgdT,
        .fabT,
        .square,
        .autoattack,
        .cw,
    ]

    /// "fgsm, bim, pgd, mifgsm, apgd, apgd-t, fab-t, square, autoattack, cw", for help and error text.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The methods adversarial training accepts, for its error text.
    static var trainableNames: String { allCases.filter(\.trainable).map(\.rawValue).joined(separator: ", ") }
}
