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

        enum CodingKeys: String, CodingKey {
            case method, eps, alpha, steps, restarts, seed, norm
            case randomStart = "random_start"
        }

        init(_ c: AttackConfig) {
            (method, eps, alpha, steps, restarts, randomStart, seed) = (c.method, c.eps, c.stepSize, c.steps, c.restarts, c.randomStart, c.seed)
            norm = c.norm == .linf ? nil : c.norm
        }
    }

    public var accuracy: Double
    public var n: Int
    public var perClass: [Double]
    public var confusion: [[Int]]
    /// Accuracy before the attack (only when there was one).
    public var cleanAccuracy: Double?
    public var attack: Attack?
    public var classes: [String]?
    public var model: String?
    public var data: String?
    public var command: String?

    enum CodingKeys: String, CodingKey {
        case accuracy, n, confusion, attack, classes, model, data, command
        case perClass = "per_class", cleanAccuracy = "clean_accuracy"
    }

    /// The `--json` form.
    public var brief: EvaluateResult {
        var b = self
        (b.classes, b.model, b.data, b.command) = (nil, nil, nil, nil)
        return b
    }
}
