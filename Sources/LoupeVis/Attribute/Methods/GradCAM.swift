import LoupeNN
import LoupeTensor

/// Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhyay et al. 2018): one
/// base, the two differ only in how a channel's gradients become its weight.
public struct GradCAM: AttributionMethod {
    public let plusPlus: Bool

    public init(plusPlus: Bool) { self.plusPlus = plusPlus }

    public var about: AttributionMethodInfo {
        plusPlus ? AttributionMethodInfo("gradcampp", signed: false, "Grad-CAM++ (Chattopadhyay et al. 2018)")
            : AttributionMethodInfo("gradcam", signed: false, "Grad-CAM at a conv layer, --layer (Selvaraju et al. 2017)")
    }

    /// Grad-CAM (Selvaraju et al. 2017): weights α_k = mean over positions of ∂score/∂A_k
    /// at a conv layer's activation A; map = ReLU(Σ_k α_k A_k), upsampled bilinearly to
    /// the input. Grad-CAM++ (Chattopadhyay et al. 2018) weights each position's positive
    /// gradient by g² / (2g² + Σ_ab A_ab·g³), its closed form for an exponentiated score.
    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        try context.checkTarget(target)
        let model = context.model
        let layer = try context.settings.layer.map { try model.resolveLayer($0) } ?? Self.defaultLayer(of: model)
        // Something upstream must require a gradient or the tape records nothing.
        let input = image.requiringGrad()
        let pass = try model.forward(input, recording: [layer])
        guard let logits = pass.output, let tap = pass[layer] else {
            throw VisError.invalid("\(model.name) produced no logits or did not record \(layer)")
        }
        guard tap.rank == 4 else {
            throw VisError.invalid("Grad-CAM needs a layer with a spatial map; \(layer) has shape \(tap.shape)")
        }
        let score = try logits.narrowed(axis: 1, start: target, length: 1).sum()
        let grads = try score.backward()
        guard let g = grads[layer] else {
            throw VisError.invalid(
                "no gradient reached \(layer): its output is shared with another tap name (\(grads.names.suffix(3).joined(separator: ", "))…); pick the layer before or after it")
        }
        let a = tap.detached
        let (k, h, w) = (a.shape[1], a.shape[2], a.shape[3])
        let av = a.scalars, gv = g.scalars
        var weights = [Float](repeating: 0, count: k)
        for c in 0..<k {
            let base = c * h * w
            if plusPlus {
                var sumA: Float = 0
                for i in 0..<(h * w) { sumA += av[base + i] }
                var total: Float = 0
                for i in 0..<(h * w) {
                    let g1 = gv[base + i], g2 = g1 * g1, g3 = g2 * g1
                    let denominator = 2 * g2 + sumA * g3
                    let alpha = denominator != 0 ? g2 / denominator : 0
                    total += alpha * Swift.max(g1, 0)
                }
                weights[c] = total
            } else {
                var total: Float = 0
                for i in 0..<(h * w) { total += gv[base + i] }
                weights[c] = total / Float(h * w)
            }
        }
        var cam = [Float](repeating: 0, count: h * w)
        for c in 0..<k where weights[c] != 0 {
            for i in 0..<(h * w) { cam[i] += weights[c] * av[c * h * w + i] }
        }
        cam = cam.map { Swift.max($0, 0) }
        let (outH, outW) = (image.shape[2], image.shape[3])
        let up = try Tensor(shape: [1, 1, h, w], scalars: cam).resizedBilinear(height: outH, width: outW)
        var result = AttributionMap(method: name,
                                    values: up.scalars, width: outW, height: outH, signed: false,
                                    perChannel: nil, target: target, layer: layer)
        result.figures["score"] = Double(try score.item)
        result.figures["map_height"] = Double(h)
        result.figures["map_width"] = Double(w)
        return result
    }

    /// The last tap with a spatial map larger than 1×1: the deepest conv features.
    public static func defaultLayer(of model: Model) throws -> String {
        guard let last = try model.layers().last(where: { $0.shape.count == 4 && $0.shape[2] * $0.shape[3] > 1 }) else {
            throw VisError.invalid("\(model.name) has no layer with a spatial map for Grad-CAM")
        }
        return last.name
    }
}
