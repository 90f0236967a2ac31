import LoupeReport

/// `result.json` of `loupe probe`: per layer, in forward order, the probe's held-out
/// accuracy beside its control task and the random network's probe.
public struct ProbeResult: Codable, Sendable, Equatable {
    public struct Fit: Codable, Sendable, Equatable {
        /// Held-out accuracy.
        public var accuracy: Double
        public var trainAccuracy: Double
        public var iterations: Int
        /// Whether L-BFGS reached the gradient tolerance.
        public var converged: Bool

        enum CodingKeys: String, CodingKey { case accuracy, trainAccuracy = "train_accuracy", iterations, converged }
    }

    public struct Layer: Codable, Sendable, Equatable {
        public var layer: String
        /// Position among the model's taps, 0 for the first.
        public var depth: Int
        /// `channel-mean` or `flatten`.
        public var features: String
        public var dimensions: Int
        public var probe: Fit
        /// The same probe on control labels (nil when --no-control).
        @EncodedNull public var control: Fit?
        /// probe.accuracy − control.accuracy.
        @EncodedNull public var selectivity: Double?
        /// The probe on the randomly initialised network's layer.
        @EncodedNull public var randomNetwork: Fit?

        enum CodingKeys: String, CodingKey {
            case layer, depth, features, dimensions, probe, control, selectivity, randomNetwork = "random_network"
        }
    }

    public struct Split: Codable, Sendable, Equatable {
        public var source: String
        public var n: Int
    }

    public var command = ""
    public var model: String
    public var data: String
    public var train: Split
    public var test: Split
    public var classes: [String]
    /// The held-out accuracy of always answering the training set's most frequent class.
    public var chance: Double
    public var l2: Double
    public var seed: UInt64
    /// What the random-network baseline is (`fashion-cnn, seed 1`), or why there is none.
    public var randomNetwork: String
    public var layers: [Layer]
    /// The layer whose probe scores highest, and that score.
    public var bestLayer: String
    public var bestAccuracy: Double
    public var plot: String

    enum CodingKeys: String, CodingKey {
        case command, model, data, train, test, classes, chance, l2, seed, randomNetwork = "random_network", layers
        case bestLayer = "best_layer", bestAccuracy = "best_accuracy", plot
    }
}
