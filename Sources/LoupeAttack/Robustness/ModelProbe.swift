import LoupeNN
import LoupeTensor

/// What the model showed at one clean sample, for the warnings AutoAttack gives about its
/// own numbers (Croce & Hein 2020, `checks.py`). A sweep records it per sample, so a merge
/// of shards flags exactly what one run would.
public struct ModelProbe: Codable, Equatable, Sendable {
    /// Two forward passes disagreed: the prediction changed, or the logits, each scaled to
    /// unit L2 norm, lie more than 1e-4 apart in L2 (AutoAttack's threshold).
    public var randomized: Bool
    /// The outputs lie in [0, 1] and sum to 1 (both within 1e-5): probabilities, whose
    /// cross-entropy gradient vanishes where logits' would not.
    public var probabilities: Bool
    /// The cross-entropy gradient at the clean image is exactly zero: a gradient attack
    /// cannot take a first step.
    public var zeroGradient: Bool
    /// How many outputs the model has (classes).
    public var classes: Int

    public init(randomized: Bool, probabilities: Bool, zeroGradient: Bool, classes: Int) {
        (self.randomized, self.probabilities, self.zeroGradient, self.classes) = (randomized, probabilities, zeroGradient, classes)
    }

    static let repeatTolerance: Float = 1e-4
    static let probabilityTolerance: Float = 1e-5

    /// Probes a batch whose first pass gave `logits`: one more forward pass and one
    /// gradient of the cross-entropy of `labels`.
    static func probe(_ model: Model, images: Tensor, labels: [Int], logits: Tensor) throws -> [ModelProbe] {
        let n = labels.count
        let k = logits.shape[1], d = images.count / max(n, 1)
        let again = try model.logits(images)
        let gradient = try model.inputGradient(images) { pass in
            guard let out = pass.output else { throw AttackError.invalid("\(model.name) produced no logits") }
            return try out.crossEntropy(labels: labels, reduction: .sum)
        }.gradient.scalars
        let (z1, z2) = (logits.scalars, again.shape == logits.shape ? again.scalars : [])
        let (p1, p2) = (try logits.argmax(), try again.argmax())
        return (0..<n).map { i in
            let row = z1[i * k..<(i + 1) * k]
            var randomized = z2.isEmpty || p1[i] != p2[i]
            if !randomized {
                let (a, b) = (unit(row), unit(z2[i * k..<(i + 1) * k]))
                randomized = zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() > repeatTolerance
            }
            let t = probabilityTolerance
            let probabilities = row.allSatisfy { $0 >= -t && $0 <= 1 + t } && Swift.abs(row.reduce(0, +) - 1) < t
            return ModelProbe(randomized: randomized, probabilities: probabilities,
                              zeroGradient: gradient[i * d..<(i + 1) * d].allSatisfy { $0 == 0 }, classes: k)
        }
    }

    private static func unit(_ v: ArraySlice<Float>) -> [Float] {
        var sq: Double = 0
        for x in v { sq += Double(x) * Double(x) }
        let scale = Float(1 / (sq.squareRoot() + 1e-10))
        return v.map { $0 * scale }
    }
}
