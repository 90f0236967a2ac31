/// How `loupe embed` projects a layer's activations to 2-D.
public enum EmbedMethod: String, Codable, Sendable, CaseIterable {
    case pca, tsne
}

/// What `loupe embed` computes: which layer, over which data, projected how, judged by
/// which neighbourhoods.
public struct EmbedSettings: Codable, Sendable, Equatable {
    public var layer = ""
    /// fashion-mnist[:train|:test], a folder of IDX files, an image folder (one subfolder
    /// per class), or photos (labelled by the model's own top class).
    public var data = "fashion-mnist:test"
    public var method = EmbedMethod.pca
    public var features = FeatureVectors.auto
    /// Embed only the first `limit` images.
    public var limit: Int?
    /// t-SNE's effective number of neighbours (van der Maaten & Hinton 2008 suggest 5–50).
    public var perplexity = 30.0
    /// t-SNE's gradient steps, the first 250 with early exaggeration.
    public var iterations = 1000
    public var seed: UInt64 = 0
    /// k of the trustworthiness and of the k-NN accuracy.
    public var neighbors = 10
    /// Images per forward pass; the activations do not depend on it.
    public var batchSize = 256

    public init() {}

    public func validate() throws {
        if layer.isEmpty { throw VisError.invalid("give a --layer (see `loupe layers MODEL`)") }
        if data.isEmpty { throw VisError.invalid("give a --data") }
        if let limit, limit < 3 { throw VisError.invalid("--limit must be at least 3 (an embedding needs neighbours)") }
        if !(perplexity >= 1 && perplexity <= 1000) { throw VisError.invalid("--perplexity must be between 1 and 1000") }
        if iterations < 1 || iterations > 100_000 { throw VisError.invalid("--iterations must be between 1 and 100000") }
        if neighbors < 1 { throw VisError.invalid("--neighbors must be at least 1") }
        if batchSize < 1 { throw VisError.invalid("--batch-size must be at least 1") }
    }

    /// The model a run uses when none is named: fashion-cnn for Fashion-MNIST, the
    /// ImageNet one for photos and image folders.
    public var defaultModel: String { data.lowercased().hasPrefix("fashion") ? "fashion-cnn" : "efficientnet-lite0" }
}
