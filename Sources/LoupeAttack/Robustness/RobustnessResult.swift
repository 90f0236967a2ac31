import LoupeReport

/// What a robustness sweep found, as `result.json` holds it. `loupe robustness --json`
/// prints the `brief` form: the headline numbers without the counts, settings and curves.
public struct RobustnessResult: Codable, Equatable, Sendable {
    public struct Row: Codable, Equatable, Sendable {
        public var attack: String
        public var eps: Double
        public var robustAccuracy: Double
        public var successRate: Double
        /// Wilson 95% interval of the robust accuracy.
        public var ci95: [Double]
        public var successCI95: [Double]?
        public var robust: Int?
        public var broken: Int?
        public var correctClean: Int?
        public var attacked: Int?
        /// A cascade's members in order with the samples each broke ("apgd-ce": 812, …).
        public var members: [Member]?
        /// The model queries a score-based attack spent.
        public var queries: Queries?

        enum CodingKeys: String, CodingKey {
            case attack, eps, ci95, robust, broken, attacked, members, queries
            case robustAccuracy = "robust_accuracy", successRate = "success_rate", successCI95 = "success_ci95"
            case correctClean = "correct_clean"
        }
    }

    public struct Member: Codable, Equatable, Sendable {
        public var attack: String
        public var broke: Int
    }

    /// Queries in all, per sample attacked, and the median over the samples broken.
    public struct Queries: Codable, Equatable, Sendable {
        public var total: Int
        public var mean: Double
        @EncodedNull public var medianToBreak: Double?

        enum CodingKeys: String, CodingKey {
            case total, mean
            case medianToBreak = "median_to_break"
        }
    }

    public struct Check: Codable, Equatable, Sendable {
        public var check: String
        public var passed: Bool
        public var detail: String
    }

    public struct Settings: Codable, Equatable, Sendable {
        public var model: String
        public var data: String
        public var total: Int
        public var attacks: [String]
        public var norm: String
        public var eps: [Double]
        public var steps: Int
        public var stepsPerAttack: [String: Int]
        public var loss: String
        @EncodedNull public var alpha: Double?
        public var restarts: Int
        public var seed: UInt64
        @EncodedNull public var shard: String?
        /// Square's query budget and the classes APGD-T and FAB-T aim at, when not the defaults.
        public var queries: Int?
        public var targetClasses: Int?

        enum CodingKeys: String, CodingKey {
            case model, data, total, attacks, norm, eps, steps, loss, alpha, restarts, seed, shard, queries
            case stepsPerAttack = "steps_per_attack", targetClasses = "target_classes"
        }
    }

    public var run: String
    public var cleanAccuracy: Double
    public var n: Int
    public var rows: [Row]
    public var audit: [Check]
    public var cleanCorrect: Int?
    public var settings: Settings?
    public var accuracyPerStep: [String: [Double]]?
    /// Accuracy under the ε = 1 self-check; absent when the check was off.
    public var unboundedAccuracy: Double?

    enum CodingKeys: String, CodingKey {
        case run, n, rows, audit, settings
        case cleanAccuracy = "clean_accuracy", cleanCorrect = "clean_correct", accuracyPerStep = "accuracy_per_step"
        case unboundedAccuracy = "unbounded_accuracy"
    }

    /// The `--json` form.
    public var brief: RobustnessResult {
        RobustnessResult(
            run: run, cleanAccuracy: cleanAccuracy, n: n,
            rows: rows.map { Row(attack: $0.attack, eps: $0.eps, robustAccuracy: $0.robustAccuracy, successRate: $0.successRate, ci95: $0.ci95) },
            audit: audit)
    }
}
