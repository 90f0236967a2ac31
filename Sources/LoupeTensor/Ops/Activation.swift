import CLoupeKernels
import Foundation

extension Tensor {
    /// max(x, 0). Its backward follows the pass's `ReLURule`, which is what turns a
    /// gradient pass into DeconvNet or guided backpropagation.
    public func relu() -> Tensor { rectifier("relu", upper: .infinity) }

    /// min(max(x, 0), 6), as in MobileNet and EfficientNet-Lite. Same backward rules.
    public func relu6() -> Tensor { rectifier("relu6", upper: 6) }

    /// min(max(x, 0), upper). The forward slope is 1 exactly where 0 < y < upper, so the
    /// backward reads the output: the input can be freed as soon as nothing else needs it.
    private func rectifier(_ op: String, upper: Float) -> Tensor {
        var out = Tensor(uninitialized: shape)
        let px = pointer, po = out.mutablePointer, variant = KernelPolicy.current.kernelCode
        Elementwise.forEachRange(count) { r in
            loupe_bias_clamp(variant, px + r.lowerBound, po + r.lowerBound, r.count, 0, 0, upper)
        }
        let y = out
        return Tensor.record(op, out, inputs: [self]) { g, ctx in
            [Tensor.rectifierGradient(g, output: y, upper: upper, rule: ctx.reluRule)]
        }
    }

    /// The backward of a rectifier with output `y`: g·1[0<y<upper] (gradient), g·1[g>0]
    /// (deconvnet) or both (guided).
    static func rectifierGradient(_ g: Tensor, output y: Tensor, upper: Float, rule: ReLURule) -> Tensor {
        var dx = Tensor(uninitialized: g.shape)
        let py = y.pointer, pg = g.pointer, pd = dx.mutablePointer, variant = KernelPolicy.current.kernelCode
        let code: Int32 = switch rule {
        case .gradient: 0
        case .deconvnet: 1
        case .guided: 2
        }
        Elementwise.forEachRange(g.count) { r in
            loupe_rectifier_gradient(variant, py + r.lowerBound, pg + r.lowerBound, pd + r.lowerBound, r.count, upper, code)
        }
        return dx
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
