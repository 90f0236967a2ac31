import Foundation

extension Tensor {
    /// Σ BCE(targets, sigmoid(self)) over every element, from the logits: the negative
    /// Bernoulli log-likelihood of `targets` in [0, 1], −[t·log σ(l) + (1 − t)·log(1 − σ(l))],
    /// written as softplus(l) − t·l = max(l, 0) − t·l + log(1 + e^−|l|) so that no logit
    /// overflows and no probability of exactly 0 or 1 takes a log.
    /// The gradient with respect to the logits is σ(l) − t (the targets get none).
    public func binaryCrossEntropySum(logitsAgainst targets: Tensor) throws -> Tensor {
        guard targets.shape == shape else {
            throw TensorError.shapeMismatch(op: "binaryCrossEntropy", shape, targets.shape)
        }
        let logits = detached, t = targets.detached
        let pl = logits.pointer, pt = t.pointer
        var total: Double = 0
        for i in 0..<count {
            let l = pl[i]
            total += Double(Swift.max(l, 0) - pt[i] * l + Foundation.log1p(Foundation.exp(-Swift.abs(l))))
        }
        let shape = self.shape
        return Tensor.record("binaryCrossEntropy", Tensor(Float(total)), inputs: [self]) { g, _ in
            let scale = g.pointer[0]
            var dl = Tensor(uninitialized: shape)
            let pd = dl.mutablePointer
            let pl = logits.pointer, pt = t.pointer
            for i in 0..<dl.count { pd[i] = scale * (1 / (1 + Foundation.exp(-pl[i])) - pt[i]) }
            return [dl]
        }
    }
}
