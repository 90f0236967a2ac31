import LoupeTensor

/// The class score backpropagated to the pixels under a ReLU rule, as a max-|·| map:
/// guided backpropagation (Springenberg et al. 2015) or the DeconvNet rule (Zeiler &
/// Fergus 2014). One method toggled by the rule, as Captum's guided and deconvolution
/// attributions share one base.
public struct RuleGradient: AttributionMethod {
    public let rule: ReLURule

    public init(rule: ReLURule) { self.rule = rule }

    public var about: AttributionMethodInfo {
        switch rule {
        case .guided: return .init("guided", signed: false, "guided backprop of the class score (Springenberg et al. 2015)", units: Self.units)
        case .deconvnet: return .init("deconvnet", signed: false, "the DeconvNet rule applied to the class score (Zeiler & Fergus 2014)", units: Self.units)
        case .gradient: return .init("gradient", signed: false, "the plain gradient, max over color channels", units: Self.units)
        }
    }

    /// The modified backward pass keeps the gradient's units but is no longer its value.
    static let units = "|logit backpropagated to the pixel under the rule|, the largest over color channels: logit per unit of pixel value (pixels in [0, 1])"

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        try context.gradientMap(image, target: target, rule: rule, as: self)
    }
}
