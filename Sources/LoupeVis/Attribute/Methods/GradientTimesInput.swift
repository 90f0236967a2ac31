import LoupeTensor

/// Gradient × input (Shrikumar et al. 2016): the first-order Taylor term of the score's
/// change from a black image, summed over channels (signed).
public struct GradientTimesInput: AttributionMethod {
    public let about = AttributionMethodInfo("gradxinput", signed: true, "gradient × input, summed over channels (Shrikumar et al. 2016)",
        units: "Σ over color channels of ∂logit/∂x · x: logit units (pixels in [0, 1])")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let (g, scores) = try context.gradients(image, target: target)
        return try context.map(self, try Autograd.noGrad { try g * image }, .sum, target: target, score: scores[0])
    }
}
