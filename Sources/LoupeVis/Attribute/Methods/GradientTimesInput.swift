import LoupeTensor

/// Gradient × input (Shrikumar et al. 2016): the first-order Taylor term of the score's
/// change from a black image, summed over channels (signed).
public struct GradientTimesInput: AttributionMethod {
    public let name = "gradxinput"
    public let summary = "gradient × input, summed over channels (Shrikumar et al. 2016)"
    public let signed = true

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        try context.checkImage(image)
        let (g, scores) = try context.gradients(image, target: target)
        return try context.map(self, try Autograd.noGrad { try g * image }, .sum, target: target, score: scores[0])
    }
}
