import LoupeNN
import LoupeTensor

/// Ablation-CAM (Desai & Ramaswamy 2020): each channel of the layer is set to zero in turn
/// and the rest of the network run on; its weight is the relative drop of the target logit,
/// w_k = (y − y_k) / |y|, and the map ReLU(Σ_k w_k·A_k). No gradients. The paper divides by
/// y: for a positive logit (a top class) that is the same, and for a negative one |y| keeps
/// "hurts the class when removed" positive instead of flipping the map.
/// A channel that is zero everywhere changes nothing when ablated and gets weight 0 without a
/// pass; the others go through the model `batchSize` at a time, one ablated channel per image.
public struct AblationCAM: LayerAttributionMethod {
    public let about = AttributionMethodInfo(
        "ablationcam", signed: false, "the logit's relative drop when a channel of --layer is zeroed weights it (Desai & Ramaswamy 2020)",
        units: "ReLU(Σ_k w_k·A_k) at the layer, upsampled, w_k a relative drop of the logit: activation units")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let reading = try context.readLayer(image, target: target, gradient: false, for: self)
        let n = reading.positions, y = reading.score
        let live = (0..<reading.channels).filter { k in reading.activation[(k * n)..<((k + 1) * n)].contains { $0 != 0 } }
        var drops = [Float](repeating: 0, count: reading.channels)
        var start = 0
        while start < live.count {
            let chunk = Array(live[start..<Swift.min(start + context.settings.batchSize, live.count)])
            let copies = try Tensor.concat(Array(repeating: image, count: chunk.count), axis: 0)
            // Image j of the batch loses channel chunk[j] at the layer.
            let edit = LayerEdit(layer: reading.layer) { a in
                var values = a.scalars
                let perImage = a.shape.dropFirst().reduce(1, *)
                for (j, k) in chunk.enumerated() {
                    for i in 0..<n { values[j * perImage + k * n + i] = 0 }
                }
                return try Tensor(shape: a.shape, scalars: values)
            }
            let logits = try Autograd.noGrad { try context.model.forward(copies, editing: edit).output }
            guard let logits else { throw VisError.invalid("\(context.model.name) produced no logits") }
            let scores = try logits.narrowed(axis: 1, start: target, length: 1).scalars
            for (j, k) in chunk.enumerated() { drops[k] = y - scores[j] }
            start += chunk.count
        }
        let scale: Float = y != 0 ? 1 / Swift.abs(y) : 1
        let cam = context.weightedSum(drops.map { $0 * scale }, of: reading).map { Swift.max($0, 0) }
        var map = try context.camMap(self, cam, reading: reading, image: image, target: target)
        map.figures["ablated_passes"] = Double(live.count)
        return map
    }
}
