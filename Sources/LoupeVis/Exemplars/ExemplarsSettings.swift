import LoupeTensor

/// What `loupe exemplars` computes: which unit, over which data, how many top images,
/// reconstructed under which rule.
public struct ExemplarsSettings: Codable, Sendable, Equatable {
    public var layer = ""
    public var channel = 0
    /// fashion-mnist[:train|:test], photos or a folder of images (`ExemplarSource.named`).
    public var data = ""
    public var k = 9
    /// Scan only the first `limit` images.
    public var limit: Int?
    public var rule = ReLURule.deconvnet
    /// Images per forward pass while scanning; the ranking does not depend on it.
    public var batchSize = 64

    public init() {}

    public func validate() throws {
        if layer.isEmpty { throw VisError.invalid("give a --layer") }
        if data.isEmpty { throw VisError.invalid("give a --data") }
        if channel < 0 { throw VisError.invalid("--channel must not be negative") }
        if k < 1 { throw VisError.invalid("--k must be at least 1") }
        if let limit, limit < 1 { throw VisError.invalid("--limit must be at least 1") }
        if batchSize < 1 { throw VisError.invalid("--batch-size must be at least 1") }
    }

    /// The model a run uses when none is named: the data set's own for Fashion-MNIST
    /// (28×28 gray), the ImageNet one for photos and image folders.
    public var defaultModel: String { data.lowercased().hasPrefix("fashion") ? "fashion-cnn" : "efficientnet-lite0" }
}
