import LoupeReport

/// `result.json` of `loupe visualize`. Unit images are file names inside the run folder
/// until `VisualizeReport` writes them as the paths they end up at.
public struct VisualizeResult: Codable, Sendable {
    /// The settings as result.json has always spelled them.
    public struct Settings: Codable, Sendable, Equatable {
        public var steps: Int
        public var size: Int
        public var lr: Float
        public var param: Parameterization
        public var decay: Float
        public var decorrelate: Bool
        public var transforms: TransformSet
        public var l1, tv, blur, freq: Float
        public var batch: Int
        public var diversity: Float
        public var alpha: Bool
        @EncodedNull public var alphaPenalty: Float?
        /// The uniform gray that final_objective, activation_ratio and class_probability composite over.
        @EncodedNull public var qualityBackground: Float?

        enum CodingKeys: String, CodingKey {
            case steps, size, lr, param, decay, decorrelate, transforms, l1, tv, blur, freq, batch, diversity, alpha
            case alphaPenalty = "alpha_penalty", qualityBackground = "quality_background"
        }
    }

    /// One optimized image, as `--json` prints it.
    public struct Unit: Codable, Sendable, Equatable {
        public var objective: String
        public var image: String
        public var finalObjective: Float
        @EncodedNull public var activationRatio: Float?
        @EncodedNull public var classProbability: Float?
        /// Mean opacity, with --alpha only.
        public var meanAlpha: Float?

        enum CodingKeys: String, CodingKey {
            case objective, image, finalObjective = "final_objective", activationRatio = "activation_ratio"
            case classProbability = "class_probability", meanAlpha = "mean_alpha"
        }
    }

    /// A unit with its history, as result.json holds it.
    public struct UnitRecord: Codable, Sendable, Equatable {
        public var unit: Unit
        public var objectivePerStep: [Float]
        /// The denominator of activation_ratio, so a null ratio explains itself.
        @EncodedNull public var referenceMax: Float?

        enum CodingKeys: String, CodingKey { case objectivePerStep = "objective_per_step", referenceMax = "reference_max" }

        public init(unit: Unit, objectivePerStep: [Float], referenceMax: Float?) {
            (self.unit, self.objectivePerStep, self.referenceMax) = (unit, objectivePerStep, referenceMax)
        }

        // The unit's keys and the history's sit side by side in one object.
        public init(from decoder: Decoder) throws {
            unit = try Unit(from: decoder)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            objectivePerStep = try c.decode([Float].self, forKey: .objectivePerStep)
            _referenceMax = try c.decode(EncodedNull<Float>.self, forKey: .referenceMax)
        }

        public func encode(to encoder: Encoder) throws {
            try unit.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(objectivePerStep, forKey: .objectivePerStep)
            try c.encode(_referenceMax, forKey: .referenceMax)
        }
    }

    /// What `--json` prints: the run folder and its units.
    public struct Line: Codable, Sendable {
        public var run: String
        public var units: [Unit]
    }

    public var command = ""
    public var model: String
    public var seed: UInt64
    public var settings: Settings
    public var units: [UnitRecord]
    /// With `--prior`: the generator-prior prototypes beside the pixel ones (absent otherwise).
    public var prior: PriorComparison?
}
