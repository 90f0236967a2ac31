import LoupeReport

/// `result.json` of `loupe concept`: per concept, its TCAV score against every random set
/// and the t-test against the random-vs-random scores.
public struct ConceptResult: Codable, Sendable, Equatable {
    public struct Concept: Codable, Sendable, Equatable {
        public var name: String
        /// The folder, or `synthetic:PATTERN`.
        public var source: String
        public var n: Int
        /// One TCAV score per random set: the fraction of class images whose class logit
        /// rises along the CAV learned against that set.
        public var scores: [Double]
        public var mean: Double
        public var std: Double
        /// Held-out accuracy of the CAV classifiers (every 4th image), their mean.
        public var cavAccuracy: Double
        public var test: WelchTTest
        /// p < alpha / concepts.count.
        public var significant: Bool

        enum CodingKeys: String, CodingKey { case name, source, n, scores, mean, std, cavAccuracy = "cav_accuracy", test, significant }
    }

    public struct ClassImages: Codable, Sendable, Equatable {
        public var index: Int
        public var name: String
        public var source: String
        public var n: Int
    }

    public var command = ""
    public var model: String
    public var layer: String
    /// The layer's activation size: the CAVs' dimension.
    public var dimensions: Int
    public var classImages: ClassImages
    public var randomSets: [String]
    public var setSize: Int
    /// TCAV scores of random-vs-random CAVs (set i against set i+1), the test's reference.
    public var randomScores: [Double]
    public var randomMean: Double
    public var randomCAVAccuracy: Double
    public var l2: Double
    public var alpha: Double
    /// alpha / number of concepts (Bonferroni).
    public var threshold: Double
    public var seed: UInt64
    public var concepts: [Concept]
    /// What the reader should know about the test (Bonferroni, few random sets).
    public var notes: [String]
    public var plot: String
    public var sets: String

    enum CodingKeys: String, CodingKey {
        case command, model, layer, dimensions, classImages = "class", randomSets = "random_sets", setSize = "set_size"
        case randomScores = "random_scores", randomMean = "random_mean", randomCAVAccuracy = "random_cav_accuracy"
        case l2, alpha, threshold, seed, concepts, notes, plot, sets
    }
}
