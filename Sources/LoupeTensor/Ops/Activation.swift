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
        let px = pointer, po = out.mutablePointer
        let zero = SIMD8<Float>(), top = SIMD8<Float>(repeating: upper)
        Elementwise.forEachVector(count) { i in
            var v = loadVector(px + i)
            v.replace(with: zero, where: v .< zero)
            v.replace(with: top, where: v .> top)
            storeVector(v, po + i)
        } tail: { i in
            po[i] = Swift.min(Swift.max(px[i], 0), upper)
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
        let py = y.pointer, pg = g.pointer, pd = dx.mutablePointer
        let zero = SIMD8<Float>(), top = SIMD8<Float>(repeating: upper)
        switch rule {
        case .gradient:
            Elementwise.forEachVector(g.count) { i in
                let v = loadVector(py + i)
                var d = loadVector(pg + i)
                d.replace(with: zero, where: .!((v .> zero) .& (v .< top)))
                storeVector(d, pd + i)
            } tail: { i in
                pd[i] = py[i] > 0 && py[i] < upper ? pg[i] : 0
            }
        case .deconvnet:
            Elementwise.forEachVector(g.count) { i in
                var d = loadVector(pg + i)
                d.replace(with: zero, where: .!(d .> zero))
                storeVector(d, pd + i)
            } tail: { i in
                pd[i] = pg[i] > 0 ? pg[i] : 0
            }
        case .guided:
            Elementwise.forEachVector(g.count) { i in
                let v = loadVector(py + i)
                var d = loadVector(pg + i)
                d.replace(with: zero, where: .!((v .> zero) .& (v .< top) .& (d .> zero)))
                storeVector(d, pd + i)
            } tail: { i in
                pd[i] = py[i] > 0 && py[i] < upper && pg[i] > 0 ? pg[i] : 0
            }
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
