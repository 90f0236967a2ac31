import LoupeData
import LoupeTensor

/// A 2-D map over the input's pixels, plus what produced it.
public struct AttributionMap {
    public var method: String
    /// Row-major H×W values: what is rendered and what the sanity checks compare.
    public var values: [Float]
    public var width: Int
    public var height: Int
    /// Whether `values` carries a sign (render with a diverging colormap).
    public var signed: Bool
    /// The input-space attribution before it was reduced to 2-D ([C, H, W]), if any.
    public var perChannel: Tensor?
    public var target: Int?
    public var layer: String?
    public var channel: Int?
    /// Method-specific figures (IG's completeness error, the class score, …).
    public var figures: [String: Double] = [:]
    /// The superpixels a perturbation method switched on and off, if any.
    public var segmentation: Segmentation?

    public init(method: String, values: [Float], width: Int, height: Int, signed: Bool, perChannel: Tensor? = nil,
                target: Int? = nil, layer: String? = nil, channel: Int? = nil) {
        (self.method, self.values, self.width, self.height, self.signed) = (method, values, width, height, signed)
        (self.perChannel, self.target, self.layer, self.channel) = (perChannel, target, layer, channel)
    }

    /// Position of the largest value (first in row-major order on ties).
    public var argmax: (x: Int, y: Int) {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return (best % width, best / width)
    }

    /// How a [C, H, W] input-space attribution becomes one value per pixel.
    public enum Reduction: Sendable {
        /// max over channels of |v| (saliency maps).
        case maxAbs
        /// Σ over channels of v (additive attributions: gradient × input, IG).
        case sum
    }

    /// Reduces a [C, H, W] (or [1, C, H, W]) tensor to H×W values.
    public static func reduce(_ t: Tensor, _ reduction: Reduction) throws -> (values: [Float], width: Int, height: Int) {
        let shape = t.rank == 4 && t.shape[0] == 1 ? Array(t.shape.dropFirst()) : t.shape
        guard shape.count == 3 else { throw VisError.invalid("expected a [C, H, W] attribution, got \(t.shape)") }
        let (c, h, w) = (shape[0], shape[1], shape[2])
        var out = [Float](repeating: 0, count: h * w)
        t.withScalars { s in
            for i in 0..<(h * w) {
                switch reduction {
                case .maxAbs:
                    var m: Float = 0
                    for ch in 0..<c { m = Swift.max(m, Swift.abs(s[ch * h * w + i])) }
                    out[i] = m
                case .sum:
                    var total: Float = 0
                    for ch in 0..<c { total += s[ch * h * w + i] }
                    out[i] = total
                }
            }
        }
        return (out, w, h)
    }
}
