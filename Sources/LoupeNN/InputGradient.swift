import LoupeTensor

/// The loop shared by feature visualization, attribution and attacks: forward with taps,
/// reduce to a scalar objective, backward to the input. Parameters stay frozen, so no
/// weight gradient is ever computed.
public struct InputGradientResult {
    /// The objective's value.
    public let objective: Float
    /// d objective / d pixels, shaped like the input.
    public let gradient: Tensor
    /// The forward pass (logits and taps), for reporting.
    public let pass: Model.Pass
    /// Gradients at the recorded taps.
    public let tapGradients: Gradients
}

extension Model {
    /// Gradient of `objective(pass)` with respect to `pixels` ([N, C, H, W] in [0, 1]).
    /// The objective must return a scalar; sum per-sample terms so that each sample's
    /// gradient is its own. `rule` selects gradient, DeconvNet or guided backprop.
    public func inputGradient(
        _ pixels: Tensor, recording: Set<String> = [], stopAfter: String? = nil, rule: ReLURule = .gradient,
        objective: (Pass) throws -> Tensor
    ) throws -> InputGradientResult {
        let input = pixels.requiringGrad()
        let pass = try forward(input, recording: recording, stopAfter: stopAfter)
        let value = try objective(pass)
        let tapGradients = try value.backward(rule: rule)
        guard let gradient = input.grad else {
            throw ModelError.invalid("the objective does not depend on the input")
        }
        return InputGradientResult(objective: try value.item, gradient: gradient, pass: pass, tapGradients: tapGradients)
    }
}
