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
        /// IG's rule for the path integral: uniform, adaptive or gausslegendre.
        public var integration: Integration
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
            case samples, sigma, steps, integration, baseline, patch, stride, fill, segments, compactness
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
        /// The map's values as computed, before any scaling for the picture.
        public var raw: RawValues
        /// How faithful the map is (null with `--metrics none`).
        @EncodedNull public var metrics: MapMetrics? = nil

        enum CodingKeys: String, CodingKey {
            case method, image, mapImage = "map_image", signed, layer, peak, figures, raw, metrics
        }
    }

    /// Where a map's raw values are and how to read them: a float32 `.npy` file of shape
    /// [height, width] (row-major), what one value means, and how the PNG scaled them.
    public struct RawValues: Codable, Sendable, Equatable {
        public var file: String
        public var shape: [Int]
        public var dtype: String
        public var units: String
        public var pngScale: PNGScale

        enum CodingKeys: String, CodingKey {
            case file, shape, dtype, units, pngScale = "png_scale"
        }
    }

    /// The value range the PNG's colormap spans; values beyond either end take its end color.
    public struct PNGScale: Codable, Sendable, Equatable {
        public var colormap: String
        public var low: Float
        public var high: Float
        public var rule: String
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
    /// The metrics' settings (substrate, draws, radius), null with `--metrics none`.
    @EncodedNull public var faithfulness: FaithfulnessSettings? = nil
}

/// One method's cascading randomization test (Adebayo et al. 2018) in `result.json`,
/// over several draws of the random weights: per step and overall, the mean over draws
/// and its spread.
public struct SanityRecord: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        /// The deepest layer group randomized so far.
        public var randomized: String
        /// Mean over draws of |ρ| of the absolute maps (a constant map counts as 0).
        public var spearmanAbs: Double
        /// Standard deviation of that |ρ| over the draws (null for one draw).
        @EncodedNull public var spearmanAbsSD: Double?
        /// Mean over the draws that have one of ρ of the signed maps.
        @EncodedNull public var spearmanSigned: Double?
        /// Draws whose randomized map was constant (no ranking to compare).
        public var constantMaps: Int

        enum CodingKeys: String, CodingKey {
            case randomized, spearmanAbs = "spearman_abs", spearmanAbsSD = "spearman_abs_sd",
                 spearmanSigned = "spearman_signed", constantMaps = "constant_maps"
        }
    }

    public var method: String
    @EncodedNull public var passed: Bool?
    /// Mean over draws of each draw's mean |ρ| over the cascade: what passes or fails.
    @EncodedNull public var meanAbsSpearman: Double?
    /// Standard deviation over draws of each draw's mean |ρ| (null for one draw).
    @EncodedNull public var sdAbsSpearman: Double?
    /// Each draw's mean |ρ| over the cascade.
    public var draws: [Double]
    public var runs: Int
    public var threshold: Double
    public var verdict: String
    public var metric: String
    /// The strip of maps: the original, then one per randomized group (the first draw).
    public var image: String
    public var steps: [Step]

    enum CodingKeys: String, CodingKey {
        case method, passed, meanAbsSpearman = "mean_abs_spearman", sdAbsSpearman = "sd_abs_spearman", draws, runs,
             threshold, verdict, metric, image, steps
    }

    public init(_ report: SanityCheck.Report, image: String) {
        method = report.method
        passed = report.passed
        meanAbsSpearman = report.meanAbsRho
        sdAbsSpearman = report.spread
        draws = report.draws
        runs = report.runs.count
        threshold = SanityCheck.Report.passThreshold
        verdict = report.verdict
        metric = "spearman rank correlation of |map| (signed maps also as spearman_signed), mean over draws of the random weights"
        self.image = image
        steps = report.summaries.map {
            Step(randomized: $0.randomized, spearmanAbs: $0.meanAbs, spearmanAbsSD: $0.sdAbs, spearmanSigned: $0.meanSigned,
                 constantMaps: $0.constantMaps)
        }
    }
}

extension AttributionResult.Settings {
    /// What shapes the maps, from the settings a run used.
    public init(_ s: AttributionSettings) {
        self.init(samples: s.samples, sigma: s.sigma, steps: s.steps, integration: s.integration, baseline: s.baseline,
                  patch: s.patch, stride: s.stride, fill: s.fill, segments: s.segments, compactness: s.compactness,
                  segmentFill: s.segmentFill, maskGrid: s.maskGrid, maskProbability: s.maskProbability, seed: s.seed)
    }
}
