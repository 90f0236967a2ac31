import LoupeNN
import LoupeTensor

/// One round of an iterative attack over the samples still attacked.
struct AttackRound {
    var predictions: [Int]
    var losses: [Float]
    var gradient: [Float]?
    /// Softmax rows (classes each), only when a trajectory is recorded.
    var probabilities: [Float]
    var classes: Int

    /// The trajectory entry of active sample `a`, if trajectories are recorded.
    func record(_ a: Int, step: Int, label: Int, target: Int?) -> AttackStep? {
        guard !probabilities.isEmpty else { return nil }
        let row = a * classes
        return AttackStep(step: step, loss: losses[a], trueProbability: probabilities[row + label],
                          targetProbability: target.map { probabilities[row + $0] }, predicted: predictions[a])
    }
}

extension AttackDriver {
    /// Gathers `samples` of the batch `x` (flat, sample-major), runs them through the
    /// model and returns predictions, per-sample losses and, when asked, the gradient
    /// (rows in the order of `samples`).
    func evaluate(
        _ x: [Float], samples: [Int], sampleShape: [Int], batch: AttackBatch, withGradient: Bool, probabilities: Bool
    ) throws -> AttackRound {
        let d = sampleShape.reduce(1, *)
        var xa = [Float](repeating: 0, count: samples.count * d)
        for (a, i) in samples.enumerated() { for j in 0..<d { xa[a * d + j] = x[i * d + j] } }
        let la = samples.map { batch.labels[$0] }, ta = batch.aims.map { t in samples.map { t[$0] } }
        let (logits, gradient) = try evaluate(xa, shape: [samples.count] + sampleShape, labels: la, targets: ta,
                                              withGradient: withGradient)
        return AttackRound(
            predictions: try logits.argmax(),
            losses: try AttackLoss.perSample(logits, labels: la, targets: ta, kind: config.loss),
            gradient: gradient,
            probabilities: probabilities ? try Autograd.noGrad { try logits.softmax() }.scalars : [],
            classes: logits.shape[1])
    }

    /// Logits at x and, when asked, the gradient of the attack objective.
    func evaluate(
        _ x: [Float], shape: [Int], labels: [Int], targets: [Int]?, withGradient: Bool
    ) throws -> (logits: Tensor, gradient: [Float]?) {
        let input = try Tensor(shape: shape, scalars: x)
        guard withGradient else { return (try model.logits(input), nil) }
        var logits: Tensor?
        let result = try model.inputGradient(input) { pass in
            guard let out = pass.output else { throw AttackError.invalid("\(model.name) produced no logits") }
            logits = out.detached
            return try AttackLoss.objective(out, labels: labels, targets: targets, kind: config.loss)
        }
        guard let logits else { throw AttackError.invalid("\(model.name) produced no logits") }
        return (logits, result.gradient.scalars)
    }
}
