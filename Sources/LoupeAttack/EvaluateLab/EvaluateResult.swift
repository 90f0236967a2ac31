/// What `loupe evaluate` found: accuracy, per-class accuracy and the confusion matrix
/// (rows: true class, columns: predicted), of the attacked images when there was an
/// attack. result.json holds it all; `--json` prints the `brief` form, as documented:
/// {"accuracy": a, "n": N, "per_class": [...], "confusion": [[...]]} plus the attack's
/// keys when there was one.
public struct EvaluateResult: Codable, Sendable, Equatable {
    /// The attack as it ran, defaults filled in.
    public struct Attack: Codable, Sendable, Equatable {
        public var method: AttackConfig.Method
        public var eps: Float
        public var alpha: Float
        public var steps: Int
        public var restarts: Int
        public var randomStart: Bool
        public var seed: UInt64
        /// Written only for L2: an L∞ attack (the usual kind) keeps the documented keys.
        public var norm: AttackConfig.Norm?
        /// The query budget, for an attack that spends queries (Square, AutoAttack).
        public var queries: Int?
        /// The likely wrong classes aimed at, for APGD-T, FAB-T and AutoAttack.
        public var targetClasses: Int?

        enum CodingKeys: String, CodingKey {
            case method, eps, alpha, steps, restarts, seed, norm, queries
            case randomStart = "random_start", targetClasses = "target_classes"
        }

        init(_ c: AttackConfig) {
            (method, eps, alpha, steps, restarts, randomStart, seed) = (c.method, c.eps, c.stepSize, c.steps, c.restarts, c.randomStart, c.seed)
            norm = c.norm == .linf ? nil : c.norm
            let parts = [c.method] + c.method.members.map(\.method)
            queries = parts.contains { $0.blackBox } ? c.queries : nil
            targetClasses = parts.contains { $0.aimsAtLikelyClasses } ? c.targetClasses : nil
        }
    }

    public var accuracy: Double
    public var n: Int
    public var perClass: [Double]
    public var confusion: [[Int]]
    /// Accuracy before the attack (only when there was one).
    public var cleanAccuracy: Double?
    public var attack: Attack?
    /// For a cascade (AutoAttack), how many of the images correct before the attack each of
    /// its attacks broke, in the cascade's order.
    public var members: [RobustnessResult.Member]?
    /// For an attack that spends model queries, the queries it made in all.
    public var queriesSpent: Int?
    public var classes: [String]?
    public var model: String?
    public var data: String?
    public var command: String?

    enum CodingKeys: String, CodingKey {
        case accuracy, n, confusion, attack, classes, model, data, command, members
        case perClass = "per_class", cleanAccuracy = "clean_accuracy", queriesSpent = "queries_spent"
    }

    /// The `--json` form.
    public var brief: EvaluateResult {
        var b = self
        (b.classes, b.model, b.data, b.command) = (nil, nil, nil, nil)
        return b
    }
}
