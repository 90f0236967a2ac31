import LoupeTensor

/// HiResCAM (Draelos & Carin 2020): Σ_k ∂score/∂A_k ⊙ A_k, the gradient multiplied with the
/// activation position by position instead of averaged first as in Grad-CAM, so a position
/// the model did not use cannot light up. Signed: it sums to the logit's first-order
/// change, and equals CAM / (h·w) on a global-average-pool + linear head.
public struct HiResCAM: LayerAttributionMethod {
    public let about = AttributionMethodInfo(
        "hirescam", signed: true, "Σ over channels of gradient ⊙ activation at --layer (Draelos & Carin 2020)",
        units: "Σ_k ∂logit/∂A_k·A_k at the layer, upsampled: logit units (first-order contribution of each position)")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let reading = try context.readLayer(image, target: target, gradient: true, for: self)
        return try context.camMap(self, reading.gradientWeightedSum { $0 }, reading: reading, image: image, target: target)
    }
}
