import Foundation

extension Tensor {
    /// max(x, 0). Its backward follows the pass's `ReLURule`, which is what turns a
    /// gradient pass into DeconvNet or guided backpropagation.
    public func relu() -> Tensor {
        rectifier("relu", { Swift.max($0, 0) }, passes: { $0 > 0 })
    }

    /// min(max(x, 0), 6), as in MobileNet and EfficientNet-Lite. Same backward rules.
    public func relu6() -> Tensor {
        rectifier("relu6", { Swift.min(Swift.max($0, 0), 6) }, passes: { $0 > 0 && $0 < 6 })
    }

    /// A ReLU-family op: `passes(x)` is where the forward slope is 1 (0 elsewhere).
    private func rectifier(_ op: String, _ f: (Float) -> Float, passes: @escaping (Float) -> Bool) -> Tensor {
        let x = detached
        return Tensor.record(op, map(f), inputs: [self]) { g, ctx in
            var dx = Tensor(zeros: g.shape)
            let px = x.pointer, pg = g.pointer, pd = dx.mutablePointer
            switch ctx.reluRule {
            case .gradient: for i in 0..<dx.count { pd[i] = passes(px[i]) ? pg[i] : 0 }
            case .deconvnet: for i in 0..<dx.count { pd[i] = Swift.max(pg[i], 0) }
            case .guided: for i in 0..<dx.count { pd[i] = passes(px[i]) && pg[i] > 0 ? pg[i] : 0 }
            }
            return [dx]
        }
    }

    public func leakyReLU(slope: Float = 0.01) -> Tensor {
        unary("leaky_relu", { $0 > 0 ? $0 : slope * $0 }, grad: { x, _, g in x > 0 ? g : slope * g })
    }

    public func sigmoid() -> Tensor {
        unary("sigmoid", { 1 / (1 + Foundation.exp(-$0)) }, grad: { _, y, g in g * y * (1 - y) })
    }

    public func tanh() -> Tensor {
        unary("tanh", { Foundation.tanh($0) }, grad: { _, y, g in g * (1 - y * y) })
    }

    /// log(1 + eˣ), computed without overflow for large x.
    public func softplus() -> Tensor {
        unary("softplus", { $0 > 20 ? $0 : Foundation.log1p(Foundation.exp($0)) },
              grad: { x, _, g in g / (1 + Foundation.exp(-x)) })
    }

    /// x·sigmoid(x) (swish).
    public func silu() -> Tensor {
        unary("silu", { $0 / (1 + Foundation.exp(-$0)) }, grad: { x, _, g in
            let s = 1 / (1 + Foundation.exp(-x))
            return g * s * (1 + x * (1 - s))
        })
    }
}
