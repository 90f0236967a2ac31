import LoupeReport

/// The faithfulness metrics of one map in `result.json` (`attributions[i].metrics`).
/// Every score is the target's logit, the quantity every map of this lab explains.
public struct MapMetrics: Codable, Sendable, Equatable {
    /// A score as pixels go: `fractions` of the pixels removed (deletion) or inserted.
    public struct Curve: Codable, Sendable, Equatable {
        /// Area under the curve over the fraction in [0, 1] (trapezoidal rule).
        public var auc: Double
        public var fractions: [Double]
        public var scores: [Double]
    }

    /// ROAD's scores at each fraction removed, most (MoRF) and least (LeRF) relevant first.
    public struct ROADScores: Codable, Sendable, Equatable {
        public var fractions: [Double]
        public var morf: [Double]
        public var lerf: [Double]
        /// Means over the fractions: MoRF low and LeRF high is faithful.
        public var morfMean: Double
        public var lerfMean: Double

        enum CodingKeys: String, CodingKey {
            case fractions, morf, lerf, morfMean = "morf_mean", lerfMean = "lerf_mean"
        }
    }

    /// Lower is better: pixels the map ranks first should take the score down first.
    @EncodedNull public var deletion: Curve? = nil
    /// Higher is better.
    @EncodedNull public var insertion: Curve? = nil
    @EncodedNull public var road: ROADScores? = nil
    /// Yeh et al.'s E[(εᵀΦ − (f(x) − f(x − ε⊙x)))²], and the same with Φ scaled by the
    /// best factor (Captum's normalize), which compares maps of different units.
    @EncodedNull public var infidelity: Double? = nil
    @EncodedNull public var infidelityNormalized: Double? = nil
    /// max over draws of ‖Φ(y) − Φ(x)‖ / ‖Φ(x)‖ with ‖y − x‖∞ ≤ r (Captum's form); `all` only.
    @EncodedNull public var maxSensitivity: Double? = nil
    /// Adebayo et al.'s mean |ρ| over the randomization cascade (lower: the map depends
    /// on the weights); `all` only.
    @EncodedNull public var randomization: Double? = nil

    public init() {}

    enum CodingKeys: String, CodingKey {
        case deletion, insertion, road, infidelity, infidelityNormalized = "infidelity_normalized"
        case maxSensitivity = "max_sensitivity", randomization
    }
}
