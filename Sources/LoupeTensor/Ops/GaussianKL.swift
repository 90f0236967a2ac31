import Foundation

extension Tensor {
    /// KL(N(μ, diag e^{logVar}) ‖ N(0, I)) summed over every element, with `self` as μ:
    /// ½ Σ (μ² + e^{logVar} − 1 − logVar) (Kingma & Welling 2014, appendix B).
    /// Gradients: ∂/∂μ = μ, ∂/∂logVar = ½(e^{logVar} − 1).
    public func gaussianKLSum(logVariance: Tensor) throws -> Tensor {
        guard logVariance.shape == shape else {
            throw TensorError.shapeMismatch(op: "gaussianKL", shape, logVariance.shape)
        }
        let mu = detached, lv = logVariance.detached
        let pm = mu.pointer, pv = lv.pointer
        var total: Double = 0
        for i in 0..<count {
            total += 0.5 * (Double(pm[i]) * Double(pm[i]) + Foundation.exp(Double(pv[i])) - 1 - Double(pv[i]))
        }
        let shape = self.shape
        return Tensor.record("gaussianKL", Tensor(Float(total)), inputs: [self, logVariance]) { g, ctx in
            let scale = g.pointer[0], pm = mu.pointer, pv = lv.pointer
            var dmu: Tensor?, dlv: Tensor?
            if ctx.needs[0] {
                var t = Tensor(uninitialized: shape)
                let p = t.mutablePointer
                for i in 0..<t.count { p[i] = scale * pm[i] }
                dmu = t
            }
            if ctx.needs[1] {
                var t = Tensor(uninitialized: shape)
                let p = t.mutablePointer
                for i in 0..<t.count { p[i] = scale * 0.5 * (Foundation.exp(pv[i]) - 1) }
                dlv = t
            }
            return [dmu, dlv]
        }
    }
}
