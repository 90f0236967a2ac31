import LoupeTensor

/// Infidelity (Yeh et al. 2019, "On the (In)fidelity and Sensitivity of Explanations"):
/// E_ε[(εᵀΦ − (f(x) − f(x − ε⊙x)))²] with ε ~ N(0, σ²) one value per pixel, all channels
/// alike. The perturbation moves each pixel a random fraction of the way to black, so a
/// map of contributions to the score (gradient × input; IG from black) is exactly
/// faithful on a linear model (Yeh et al.'s Proposition 2.3 with I = ε⊙x). The normalized
/// form scales Φ by the β that minimizes the error, β = E[εᵀΦ·Δf] / E[(εᵀΦ)²], so maps of
/// other units (gradients, CAMs) are compared on their shape alone.
enum Infidelity {
    static func measure(_ map: AttributionMap, image: Tensor, samples: Int, sigma: Float, seed: UInt64, target: Int,
                        context: Attributor) throws -> (raw: Double, normalized: Double) {
        let plane = map.width * map.height, channels = image.shape[1]
        let stream = RandomStream(seed: seed, key: [0x1F1D, UInt64(target)])
        let pixels = image.scalars
        let score = Double(try context.scores(image, target: target)[0])
        let perturbed = try context.perturbedScores(image, count: samples, target: target) { s, out in
            let draw = stream.derived(UInt64(s))
            for p in 0..<plane {
                let epsilon = sigma * draw.normal(at: UInt64(p))
                for ch in 0..<channels { out[ch * plane + p] = pixels[ch * plane + p] * (1 - epsilon) }
            }
        }
        // Sums in sample order, in double: the same whatever the batch size.
        var (errors, cross, explained) = (0.0, 0.0, 0.0)
        var terms: [(predicted: Double, actual: Double)] = []
        for (s, f) in perturbed.enumerated() {
            let draw = stream.derived(UInt64(s))
            var predicted = 0.0
            for p in 0..<plane { predicted += Double(sigma * draw.normal(at: UInt64(p))) * Double(map.values[p]) }
            let actual = score - Double(f)
            terms.append((predicted, actual))
            errors += (predicted - actual) * (predicted - actual)
            cross += predicted * actual
            explained += predicted * predicted
        }
        let beta = explained > 0 ? cross / explained : 0
        let normalized = terms.reduce(0.0) { $0 + (beta * $1.predicted - $1.actual) * (beta * $1.predicted - $1.actual) }
        return (errors / Double(samples), normalized / Double(samples))
    }
}
