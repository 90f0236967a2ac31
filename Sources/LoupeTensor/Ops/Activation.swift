import Foundation

extension Tensor {
    /// max(x, 0). Its backward follows the pass's `ReLURule`, which is what turns a
    /// gradient pass into DeconvNet or guided backpropagation.
    public func relu() -> Tensor {
        rectifier("relu", cap: nil)
    }

    /// min(max(x, 0), 6), as in MobileNet and EfficientNet-Lite. Same backward rules.
    public func relu6() -> Tensor {
        rectifier("relu6", cap: 6)
    }

    /// A ReLU-family op, min(max(x, 0), cap): slope 1 where 0 < x (< cap), else 0.
    /// Loops are written out per case so they vectorize, and split over workers in
    /// fixed chunks (elementwise, so the split cannot change a result).
    private func rectifier(_ op: String, cap: Float?) -> Tensor {
        let x = detached
        var y = Tensor(uninitialized: shape)
        let px = x.pointer, py = y.mutablePointer
        withExtendedLifetime(x) {
            Tensor.elementwiseChunks(count) { range in
                if let cap {
                    for i in range { py[i] = Swift.min(Swift.max(px[i], 0), cap) }
                } else {
                    for i in range { py[i] = Swift.max(px[i], 0) }
                }
            }
        }
        return Tensor.record(op, y, inputs: [self]) { g, ctx in
            var dx = Tensor(uninitialized: g.shape)
            let px = x.pointer, pg = g.pointer, pd = dx.mutablePointer
            let rule = ctx.reluRule
            withExtendedLifetime((x, g)) {
                Tensor.elementwiseChunks(dx.count) { range in
                    switch (rule, cap) {
                    case (.gradient, nil):
                        // Explicit 8-wide selects: the scalar form compiles to a branch per element.
                        var i = range.lowerBound
                        while i + 8 <= range.upperBound {
                            let xv = UnsafeRawPointer(px + i).loadUnaligned(as: SIMD8<Float>.self)
                            let gv = UnsafeRawPointer(pg + i).loadUnaligned(as: SIMD8<Float>.self)
                            let kept = SIMD8<Float>(repeating: 0).replacing(with: gv, where: xv .> 0)
                            UnsafeMutableRawPointer(pd + i).storeBytes(of: kept, as: SIMD8<Float>.self)
                            i += 8
                        }
                        while i < range.upperBound { pd[i] = px[i] > 0 ? pg[i] : 0; i += 1 }
                    case let (.gradient, c?): for i in range { pd[i] = px[i] > 0 && px[i] < c ? pg[i] : 0 }
                    case (.deconvnet, _): for i in range { pd[i] = Swift.max(pg[i], 0) }
                    case (.guided, nil): for i in range { pd[i] = px[i] > 0 && pg[i] > 0 ? pg[i] : 0 }
                    case let (.guided, c?): for i in range { pd[i] = px[i] > 0 && px[i] < c && pg[i] > 0 ? pg[i] : 0 }
                    }
                }
            }
            return [dx]
        }
    }

    /// Calls `body` on consecutive ranges covering 0..<count, on Loupe's workers when the
    /// tensor is large enough to pay for them.
    static func elementwiseChunks(_ count: Int, _ body: (Range<Int>) -> Void) {
        let chunk = 1 << 16
        let chunks = (count + chunk - 1) / chunk
        Parallel.forEach(chunks, elements: count) { k in body(k * chunk..<Swift.min((k + 1) * chunk, count)) }
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
