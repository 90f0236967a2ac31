import LoupeTensor

/// A convolution followed by inference-mode batch norm is one affine map per output
/// channel, so it can run as a single convolution:
///   W'[c] = W[c]·k[c],  b'[c] = β[c] + (b[c] − μ[c])·k[c],  k[c] = γ[c] / √(σ²[c] + eps).
/// That saves the batch norm's pass over the activation (and its tape node) in every
/// forward and backward. It applies only when nothing asks for a parameter gradient
/// and the model is not training: the folded weights are a constant to the tape, and
/// the input gradient through them is the same map. The result matches conv-then-BN up
/// to float rounding.
final class FoldedConvBatchNorm {
    private var key: [Int] = []
    private var weight: Tensor?
    private var bias: Tensor?

    /// The folded weight and bias, recomputed only when a parameter or statistic changed.
    func fold(_ conv: Conv2d, _ bn: BatchNorm2d) throws -> (weight: Tensor, bias: Tensor) {
        let sources = [conv.weight, bn.weight, bn.bias, bn.runningMean, bn.runningVar] + (conv.bias.map { [$0] } ?? [])
        let key = sources.map { $0.version } + sources.map { Int(bitPattern: ObjectIdentifier($0)) }
        if key == self.key, let weight, let bias { return (weight, bias) }
        let c = conv.outChannels
        let w = conv.weight.value.scalars, gamma = bn.weight.value.scalars, beta = bn.bias.value.scalars
        let mean = bn.runningMean.value.scalars, variance = bn.runningVar.value.scalars
        let convBias = conv.bias?.value.scalars ?? [Float](repeating: 0, count: c)
        guard gamma.count == c, beta.count == c, mean.count == c, variance.count == c, convBias.count == c else {
            throw ModelError.invalid("batch norm of \(bn.channels) channels follows a conv with \(c) outputs")
        }
        let perChannel = w.count / c
        var folded = w
        var shift = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            let denominator = Double(variance[ch]) + Double(bn.eps)
            guard denominator > 0 else {
                throw ModelError.invalid("batch norm channel \(ch): running variance \(variance[ch]) + eps is not positive")
            }
            let k = Double(gamma[ch]) / denominator.squareRoot()
            for j in 0..<perChannel { folded[ch * perChannel + j] = Float(Double(w[ch * perChannel + j]) * k) }
            shift[ch] = Float(Double(beta[ch]) + (Double(convBias[ch]) - Double(mean[ch])) * k)
        }
        let result = (try Tensor(shape: conv.weight.value.shape, scalars: folded), Tensor(shift))
        (self.key, weight, bias) = (key, result.0, result.1)
        return result
    }
}

extension Conv2d {
    /// conv → batch norm → activation, folded into one convolution with the activation in
    /// its epilogue at inference with frozen parameters.
    public func forward(
        _ x: Tensor, _ ctx: ForwardContext, normalizedBy bn: BatchNorm2d, activation: FusedActivation = .none
    ) throws -> Tensor {
        let frozen = !weight.value.requiresGrad && !(bias?.value.requiresGrad ?? false)
            && !bn.weight.value.requiresGrad && !bn.bias.value.requiresGrad
        guard !ctx.training, frozen, KernelPolicy.current.foldBatchNorm else {
            let y = try bn.forward(try forward(x, ctx), ctx)
            switch activation {
            case .none: return y
            case .relu: return y.relu()
            case .relu6: return y.relu6()
            }
        }
        let (w, b) = try foldedBatchNorm.fold(self, bn)
        return try x.conv2d(weight: w, bias: b, stride: stride, padding: resolvedPadding(for: x),
                            dilation: dilation, groups: groups, activation: activation)
    }
}
