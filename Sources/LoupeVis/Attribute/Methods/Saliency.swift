import LoupeTensor

/// Gradient saliency (Simonyan et al. 2014): max over color channels of |∂score/∂x|.
public struct Saliency: AttributionMethod {
    public let about = AttributionMethodInfo("saliency", signed: false, "|gradient|, max over color channels (Simonyan et al. 2014)",
        units: "|∂logit/∂pixel|, the largest over color channels: logit per unit of pixel value (pixels in [0, 1])")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        try context.gradientMap(image, target: target, rule: .gradient, as: self)
    }
}
