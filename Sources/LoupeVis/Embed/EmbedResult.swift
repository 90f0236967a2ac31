import LoupeReport

/// `result.json` of `loupe embed`. The points themselves are in `embedding.csv`
/// (index, label, x, y), named by `points`.
public struct EmbedResult: Codable, Sendable, Equatable {
    public struct Neighbours: Codable, Sendable, Equatable {
        public var k: Int
        /// Leave-one-out k-NN accuracy among the layer's feature vectors.
        public var original: Double
        /// The same in the 2-D map.
        public var embedded: Double
    }

    public struct TSNE: Codable, Sendable, Equatable {
        public var perplexity: Double
        public var iterations: Int
        public var learningRate: Double
        public var exaggeration: Double
        public var seed: UInt64
        /// KL(P‖Q) of the final map.
        public var klDivergence: Double

        enum CodingKeys: String, CodingKey {
            case perplexity, iterations, learningRate = "learning_rate", exaggeration, seed, klDivergence = "kl_divergence"
        }
    }

    public var command = ""
    public var model: String
    public var layer: String
    public var data: String
    /// How many images were embedded.
    public var n: Int
    /// `data` when the classes are the data set's labels, `predicted` when they are the
    /// model's top class (photos).
    public var labels: String
    public var classes: [String]
    /// `channel-mean` or `flatten`.
    public var features: String
    /// The length of each feature vector.
    public var dimensions: Int
    public var method: EmbedMethod
    /// PCA's share of the variance per leading component (the first two are the map's
    /// axes under --method pca); computed for t-SNE runs too, as a reference.
    public var explainedVariance: [Double]
    @EncodedNull public var tsne: TSNE?
    /// Venna & Kaski's trustworthiness of the map at k = `neighbors.k`.
    public var trustworthiness: Double
    public var neighbors: Neighbours
    /// Points per class, in class order.
    public var classCounts: [Int]
    public var points: String
    public var scatter: String

    enum CodingKeys: String, CodingKey {
        case command, model, layer, data, n, labels, classes, features, dimensions, method
        case explainedVariance = "explained_variance", tsne, trustworthiness, neighbors, classCounts = "class_counts", points, scatter
    }
}
