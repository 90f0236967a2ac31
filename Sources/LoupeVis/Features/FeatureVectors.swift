import LoupeTensor

/// Which vector an image contributes from a layer: a conv map's channel means (one value
/// per channel, translation-invariant and small) or every activation flattened.
public enum FeatureVectors: String, Codable, Sendable, CaseIterable {
    /// Channel means for a [C, H, W] map, the activations themselves for a vector.
    case auto
    case mean
    case flatten
}

/// One layer's feature vectors over a data set: `count` rows of `dimensions`, row-major.
public struct FeatureMatrix: Sendable, Equatable {
    public var layer: String
    public var values: [Float]
    public var count: Int
    public var dimensions: Int
    /// `channel-mean` or `flatten`.
    public var kind: String

    public init(layer: String, values: [Float], count: Int, dimensions: Int, kind: String) {
        (self.layer, self.values, self.count, self.dimensions, self.kind) = (layer, values, count, dimensions, kind)
    }

    /// Each item's feature vector of the activations `a` ([B, …]), concatenated, and which
    /// kind it is.
    static func rows(_ a: Tensor, features: FeatureVectors) throws -> ([Float], String) {
        let b = a.shape[0], size = a.count / Swift.max(b, 1)
        if a.rank == 4, features != .flatten {
            let (c, plane) = (a.shape[1], a.shape[2] * a.shape[3])
            let v = a.scalars
            var out = [Float](repeating: 0, count: b * c)
            for i in 0..<(b * c) {
                var s: Float = 0
                for p in 0..<plane { s += v[i * plane + p] }
                out[i] = s / Float(plane)
            }
            return (out, "channel-mean")
        }
        guard size >= 1 else { throw VisError.invalid("the layer's output is empty") }
        return (a.scalars, "flatten")
    }
}
