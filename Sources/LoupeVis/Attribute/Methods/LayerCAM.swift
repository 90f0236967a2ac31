import LoupeTensor

/// LayerCAM (Jiang et al. 2021): ReLU(Σ_k ReLU(∂score/∂A_k) ⊙ A_k). Each position keeps its
/// own positive gradient as its weight, so the map stays sharp at shallow layers where
/// Grad-CAM's channel-wide averages blur.
public struct LayerCAM: LayerAttributionMethod {
    public let about = AttributionMethodInfo(
        "layercam", signed: false, "positive gradient ⊙ activation, summed over channels at --layer (Jiang et al. 2021)",
        units: "ReLU(Σ_k ReLU(∂logit/∂A_k)·A_k) at the layer, upsampled: logit units")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let reading = try context.readLayer(image, target: target, gradient: true, for: self)
        let cam = reading.gradientWeightedSum { Swift.max($0, 0) }
        return try context.camMap(self, cam.map { Swift.max($0, 0) }, reading: reading, image: image, target: target)
    }
}
