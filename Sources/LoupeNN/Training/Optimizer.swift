import Foundation
import LoupeTensor

/// Updates parameters in place from their accumulated gradients, PyTorch's semantics.
/// Optimizer state is exposed as named tensors so a checkpoint can resume bit for bit.
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    /// One update from each parameter's `grad`; parameters without a gradient are skipped.
    func step() throws
    /// State tensors by name (moments, step count) for checkpoints.
    func state() -> [String: Tensor]
    func load(state: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears every parameter's gradient before the next backward pass.
    public func zeroGrad(_ parameters: [Parameter]) { for p in parameters { p.value.zeroGrad() } }
}

/// SGD with momentum and (coupled, L2) weight decay, as torch.optim.SGD.
public final class SGD: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let momentum, weightDecay: Float
    public let nesterov: Bool
    private var buffers: [Tensor?]

    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0,
                nesterov: Bool = false) {
        (self.parameters, self.learningRate, self.momentum, self.weightDecay, self.nesterov) =
            (parameters, learningRate, momentum, weightDecay, nesterov)
        buffers = Array(repeating: nil, count: parameters.count)
    }

    public func step() throws {
        for (i, p) in parameters.enumerated() {
            guard let grad = p.value.grad else { continue }
            let (lr, mu, wd) = (learningRate, momentum, weightDecay)
            var buffer = buffers[i]
            p.value.withMutableScalars { w in
                grad.withScalars { g in
                    var d = [Float](g)
                    if wd != 0 { for j in 0..<d.count { d[j] += wd * w[j] } }
                    if mu != 0 {
                        if buffer == nil {
                            buffer = Tensor(d)
                        } else {
                            buffer!.withMutableScalars { b in for j in 0..<d.count { b[j] = mu * b[j] + d[j] } }
                        }
                        buffer!.withScalars { b in
                            for j in 0..<d.count { d[j] = nesterov ? d[j] + mu * b[j] : b[j] }
                        }
                    }
                    for j in 0..<d.count { w[j] -= lr * d[j] }
                }
            }
            buffers[i] = buffer
        }
    }

    public func state() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (i, b) in buffers.enumerated() { if let b { out["momentum.\(i)"] = b } }
        return out
    }

    public func load(state: [String: Tensor]) throws {
        for i in parameters.indices {
            guard let b = state["momentum.\(i)"] else { buffers[i] = nil; continue }
            guard b.count == parameters[i].value.count else {
                throw ModelError.invalid("optimizer state momentum.\(i) has \(b.count) values, expected \(parameters[i].value.count)")
            }
            buffers[i] = Tensor(b.scalars)
        }
    }
}

/// Adam (Kingma & Ba) with bias correction, as torch.optim.Adam (L2 weight decay).
public final class Adam: Optimizer {
    public let parameters: [Parameter]
    public var learningRate: Float
    public let beta1, beta2, eps, weightDecay: Float
    private var m: [Tensor], v: [Tensor]
    private var t = 0

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0) {
        (self.parameters, self.learningRate, self.beta1, self.beta2, self.eps, self.weightDecay) =
            (parameters, learningRate, beta1, beta2, eps, weightDecay)
        m = parameters.map { Tensor.zeros(like: $0.value) }
        v = parameters.map { Tensor.zeros(like: $0.value) }
    }

    public func step() throws {
        t += 1
        let c1 = 1 - Foundation.pow(beta1, Float(t)), c2 = 1 - Foundation.pow(beta2, Float(t))
        let (lr, b1, b2, eps, wd) = (learningRate, beta1, beta2, self.eps, weightDecay)
        for (i, p) in parameters.enumerated() {
            guard let grad = p.value.grad else { continue }
            m[i].withMutableScalars { pm in
                v[i].withMutableScalars { pv in
                    p.value.withMutableScalars { w in
                        grad.withScalars { g in
                            for j in 0..<w.count {
                                let gj = g[j] + wd * w[j]
                                pm[j] = b1 * pm[j] + (1 - b1) * gj
                                pv[j] = b2 * pv[j] + (1 - b2) * gj * gj
                                w[j] -= lr * (pm[j] / c1) / ((pv[j] / c2).squareRoot() + eps)
                            }
                        }
                    }
                }
            }
        }
    }

    public func state() -> [String: Tensor] {
        var out: [String: Tensor] = ["step": Tensor(Float(t))]
        for i in parameters.indices { out["m.\(i)"] = m[i]; out["v.\(i)"] = v[i] }
        return out
    }

    public func load(state: [String: Tensor]) throws {
        guard let step = state["step"] else { throw ModelError.invalid("Adam state has no 'step'") }
        t = Int(try step.item)
        for i in parameters.indices {
            guard let mi = state["m.\(i)"], let vi = state["v.\(i)"], mi.count == m[i].count, vi.count == v[i].count else {
                throw ModelError.invalid("Adam state for parameter \(i) is missing or mis-shaped")
            }
            m[i] = try Tensor(shape: m[i].shape, scalars: mi.scalars)
            v[i] = try Tensor(shape: v[i].shape, scalars: vi.scalars)
        }
    }
}
