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
        case .guided: return .init("guided", signed: false, "guided backprop of the class score (Springenberg et al. 2015)")
        case .deconvnet: return .init("deconvnet", signed: false, "the DeconvNet rule applied to the class score (Zeiler & Fergus 2014)")
        case .gradient: return .init("gradient", signed: false, "the plain gradient, max over color channels")
        }
    }

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        try context.gradientMap(image, target: target, rule: rule, as: self)
    }
}
