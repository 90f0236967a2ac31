import LoupeReport

/// `result.json` of `loupe attribute --images`: every image's maps and metrics, and per
/// method the mean of each metric over the images with its 95% t-interval, the mean
/// rank, and the mean deletion and insertion curves.
public struct ComparisonResult: Codable, Sendable {
    /// One image: its target and each method's map (over the image) with its metrics.
    public struct ImageRow: Codable, Sendable {
        public struct Cell: Codable, Sendable {
            public var method: String
            /// The map over the image, a path in the run folder.
            public var image: String
            @EncodedNull public var layer: String?
            @EncodedNull public var metrics: MapMetrics?
        }

        public var image: String
        /// The picture of the input as the model saw it.
        public var input: String
        public var target: AttributionResult.Target
        public var maps: [Cell]
    }

    /// A method left out of `--method all` and why.
    public struct Skipped: Codable, Sendable, Equatable {
        public var method: String
        public var reason: String
    }

    /// One method's row of the table.
    public struct MethodSummary: Codable, Sendable {
        public var method: String
        /// 1 is the most faithful by mean rank.
        public var rank: Int
        /// The method's rank among the methods, averaged per image over the ranking metrics,
        /// then over the images (with its t-interval).
        public var meanRank: MeanInterval
        /// Keyed by `ComparedMetric.key`.
        public var metrics: [String: MeanInterval]
        /// Mean over the images of the score at each fraction (null without metrics).
        @EncodedNull public var deletionCurve: [Double]?
        @EncodedNull public var insertionCurve: [Double]?

        enum CodingKeys: String, CodingKey {
            case method, rank, meanRank = "mean_rank", metrics, deletionCurve = "deletion_curve", insertionCurve = "insertion_curve"
        }
    }

    public var command = ""
    public var model: String
    public var methods: [String]
    public var skipped: [Skipped]
    public var settings: AttributionResult.Settings
    @EncodedNull public var faithfulness: FaithfulnessSettings?
    /// How the intervals are computed, and which metrics rank.
    public var interval: String
    public var rankedBy: [String]
    /// The fractions of pixels the mean curves are at.
    @EncodedNull public var curveFractions: [Double]?
    public var n: Int
    public var summary: [MethodSummary]
    public var images: [ImageRow]

    enum CodingKeys: String, CodingKey {
        case command, model, methods, skipped, settings, faithfulness, interval, rankedBy = "ranked_by"
        case curveFractions = "curve_fractions", n, summary, images
    }
}
