extension AttackConfig.Method {
    /// Dong et al. 2018's momentum iterative FGSM: signed steps along a running sum of
    /// L1-normalized gradients, g ← μ·g + ∇/‖∇‖₁, with α = ε/steps by default.
    public static let mifgsm = Self(
        name: "mifgsm", title: "MI-FGSM", summary: "momentum iterative FGSM (L∞)",
        norms: [.linf], unsupportedNorm: "mifgsm is implemented for L∞ only",
        randomStart: false, stepSize: { $0.alpha ?? $0.eps / Float(max($0.steps, 1)) },
        engine: .steps { MomentumStep(alpha: $0.stepSize, decay: $0.momentum) })
}

/// MI-FGSM's update: accumulate the L1-normalized gradient, then a projected step along
/// the accumulator.
struct MomentumStep: AttackStepRule {
    let alpha: Float
    /// μ.
    let decay: Float

    /// The accumulated direction g per pixel.
    func begin(at x: [Float], context: StepContext) -> [Float] { [Float](repeating: 0, count: x.count) }

    func step(_ momentum: inout [Float], _ x: inout [Float], sample i: Int, step: Int, gradient: inout [Float], row a: Int,
              context: StepContext) {
        let d = context.d
        var l1: Double = 0
        for j in 0..<d { l1 += Double(Swift.abs(gradient[a * d + j])) }
        let inv = l1 > 0 ? Float(1 / l1) : 0
        for j in 0..<d {
            momentum[i * d + j] = decay * momentum[i * d + j] + gradient[a * d + j] * inv
            gradient[a * d + j] = momentum[i * d + j]
        }
        context.move(&x, sample: i, along: gradient, row: a, by: alpha)
    }
}
