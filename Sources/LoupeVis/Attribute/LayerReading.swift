import LoupeNN
import LoupeTensor

/// What the CAM family reads at a conv layer for one image: its activation A [K, h, w] and,
/// for the gradient-weighted methods, the target logit's gradient ∂score/∂A.
public struct LayerReading {
    public let layer: String
    public let channels: Int, height: Int, width: Int
    /// A, channel-major: channel k's map is `activation[k·h·w ..< (k+1)·h·w]`.
    public let activation: [Float]
    /// ∂score/∂A in the same layout, when it was asked for.
    public let gradient: [Float]?
    /// Every logit of the image, and the target's.
    public let logits: [Float]
    public let score: Float

    public var positions: Int { height * width }

    /// Σ_k weight(∂score/∂A_k) ⊙ A_k, position by position: the gradient-weighted sum that
    /// HiResCAM (weight = identity) and LayerCAM (weight = ReLU) share; Grad-CAM instead
    /// averages the gradient over positions first (`Attributor.weightedSum`).
    public func gradientWeightedSum(weight: (Float) -> Float) -> [Float] {
        let n = positions
        var cam = [Float](repeating: 0, count: n)
        guard let gradient else { return cam }
        for k in 0..<channels {
            let base = k * n
            for i in 0..<n { cam[i] += weight(gradient[base + i]) * activation[base + i] }
        }
        return cam
    }

    /// The last tap with a spatial map larger than 1×1: the deepest conv features.
    public static func defaultLayer(of model: Model) throws -> String {
        guard let last = try model.layers().last(where: { $0.shape.count == 4 && $0.shape[2] * $0.shape[3] > 1 }) else {
            throw VisError.invalid("\(model.name) has no layer with a spatial map for the CAM methods")
        }
        return last.name
    }
}

extension Attributor {
    /// The CAM family's layer: `--layer`, or the last one with a spatial map.
    public func camLayer() throws -> String {
        try settings.layer.map { try model.resolveLayer($0) } ?? LayerReading.defaultLayer(of: model)
    }

    /// Reads the CAM layer for one image [1, C, H, W]; with `gradient`, also the target
    /// logit's gradient there (one forward and one backward pass, else one forward pass).
    public func readLayer(_ image: Tensor, target: Int, gradient: Bool, for method: some AttributionMethod) throws -> LayerReading {
        try checkTarget(target)
        let layer = try camLayer()
        // Something upstream must require a gradient or the tape records nothing.
        let pass = gradient ? try model.forward(image.requiringGrad(), recording: [layer])
            : try Autograd.noGrad { try model.forward(image, recording: [layer]) }
        guard let logits = pass.output, let tap = pass[layer] else {
            throw VisError.invalid("\(model.name) produced no logits or did not record \(layer)")
        }
        guard tap.rank == 4, tap.shape[0] == 1 else {
            throw VisError.invalid("\(method.name) needs a layer with a spatial map; \(layer) has shape \(tap.shape)")
        }
        guard target < logits.shape[1] else {
            throw VisError.invalid("target class \(target) is outside the \(logits.shape[1]) logits of \(model.name)")
        }
        let score = try logits.narrowed(axis: 1, start: target, length: 1).sum()
        var g: [Float]?
        if gradient {
            let grads = try score.backward()
            guard let gl = grads[layer] else {
                throw VisError.invalid(
                    "no gradient reached \(layer): its output is shared with another tap name (\(grads.names.suffix(3).joined(separator: ", "))…); pick the layer before or after it")
            }
            g = gl.scalars
        }
        return LayerReading(layer: layer, channels: tap.shape[1], height: tap.shape[2], width: tap.shape[3],
                            activation: tap.detached.scalars, gradient: g, logits: logits.detached.scalars, score: try score.item)
    }

    /// Σ_k weights[k]·A_k at the layer's resolution.
    public func weightedSum(_ weights: [Float], of reading: LayerReading) -> [Float] {
        let n = reading.positions
        var cam = [Float](repeating: 0, count: n)
        reading.activation.withUnsafeBufferPointer { a in
            for k in 0..<reading.channels where weights[k] != 0 {
                let w = weights[k], base = k * n
                for i in 0..<n { cam[i] += w * a[base + i] }
            }
        }
        return cam
    }

    /// `cam` (h×w at the layer) upsampled bilinearly to the image, as `method`'s map;
    /// the figures record the score and the layer's resolution.
    public func camMap(_ method: some AttributionMethod, _ cam: [Float], reading: LayerReading, image: Tensor,
                       target: Int) throws -> AttributionMap {
        let (outH, outW) = (image.shape[2], image.shape[3])
        let up = try Tensor(shape: [1, 1, reading.height, reading.width], scalars: cam).resizedBilinear(height: outH, width: outW)
        var map = AttributionMap(method: method.name, values: up.scalars, width: outW, height: outH, signed: method.signed,
                                 perChannel: nil, target: target, layer: reading.layer)
        map.figures["score"] = Double(reading.score)
        map.figures["map_height"] = Double(reading.height)
        map.figures["map_width"] = Double(reading.width)
        return map
    }
}
