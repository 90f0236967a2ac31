import LoupeReport

/// `result.json` of `loupe attribute`. Image paths are file names inside the run
/// folder until `AttributionReport` writes them as the paths they end up at.
public struct AttributionResult: Codable, Sendable {
    public struct Target: Codable, Sendable, Equatable {
        public var index: Int
        public var name: String
    }

    /// The settings that shape the maps, as the run used them.
    public struct Settings: Codable, Sendable, Equatable {
        /// As given; null when each method took its own default (its figures say how many).
        @EncodedNull public var samples: Int?
        public var sigma: Float
        public var steps: Int
        public var baseline: Baseline
        public var patch: Int
        public var stride: Int
        public var fill: Baseline
        public var segments: Int
        public var compactness: Float
        public var segmentFill: SegmentFill
        public var maskGrid: Int
        public var maskProbability: Float
        public var seed: UInt64

        enum CodingKeys: String, CodingKey {
            case samples, sigma, steps, baseline, patch, stride, fill, segments, compactness
            case segmentFill = "segment_fill", maskGrid = "mask_grid", maskProbability = "mask_probability", seed
        }
    }

    public struct Entry: Codable, Sendable, Equatable {
        public var method: String
        /// The map over the input, and the map alone.
        public var image: String
        public var mapImage: String
        public var signed: Bool
        @EncodedNull public var layer: String?
        /// Where the map is largest.
        public var peak: PixelPoint
        /// Method-specific numbers: the score, IG's completeness error, occlusion's patches…
        public var figures: [String: Double]

        enum CodingKeys: String, CodingKey {
            case method, image, mapImage = "map_image", signed, layer, peak, figures
        }
    }

    public var command = ""
    public var model: String
    public var image: String
    public var target: Target
    public var settings: Settings
    public var attributions: [Entry]
    public var maps: [MapRecord]
    @EncodedNull public var sanity: [SanityRecord]?
    /// The superpixels LIME and KernelSHAP used, drawn over the input; null without them.
    @EncodedNull public var segmentation: String?
}

/// One method's cascading randomization test (Adebayo et al. 2018) in `result.json`.
public struct SanityRecord: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        /// The deepest layer group randomized so far.
        public var randomized: String
        @EncodedNull public var spearmanAbs: Double?
        @EncodedNull public var spearmanSigned: Double?

        enum CodingKeys: String, CodingKey {
            case randomized, spearmanAbs = "spearman_abs", spearmanSigned = "spearman_signed"
        }
    }

    public var method: String
    @EncodedNull public var passed: Bool?
    @EncodedNull public var meanAbsSpearman: Double?
    public var threshold: Double
    public var verdict: String
    public var metric: String
    /// The strip of maps: the original, then one per randomized group.
    public var image: String
    public var steps: [Step]

    enum CodingKeys: String, CodingKey {
        case method, passed, meanAbsSpearman = "mean_abs_spearman", threshold, verdict, metric, image, steps
    }

    init(_ report: SanityCheck.Report, image: String) {
        method = report.method
        passed = report.passed
        meanAbsSpearman = report.meanAbsRho
        threshold = SanityCheck.Report.passThreshold
        verdict = report.verdict
        metric = "spearman rank correlation of |map| (signed maps also as spearman_signed)"
        self.image = image
        steps = report.steps.map { Step(randomized: $0.randomized, spearmanAbs: $0.spearmanAbs, spearmanSigned: $0.spearmanSigned) }
    }
}
