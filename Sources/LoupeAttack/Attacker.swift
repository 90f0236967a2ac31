import Foundation
import LoupeNN
import LoupeTensor

/// One step of an attack on one sample, for trajectory plots.
public struct AttackStep: Codable, Sendable {
    public let step: Int
    public let loss: Float
    public let trueProbability: Float
    public let targetProbability: Float?
    public let predicted: Int
}

public struct AttackOutcome {
    /// Adversarial pixels, [N, C, H, W] in [0, 1], each inside its ε-ball.
    public let adversarial: Tensor
    /// Whether each sample is misclassified (untargeted) or hits its target.
    public let success: [Bool]
    public let predictions: [Int]
    /// Per sample, per step (only when requested).
    public let trajectories: [[AttackStep]]
}

/// Runs gradient attacks (FGSM, BIM, PGD L∞/L2, MI-FGSM) and CW-L2 on a model in
/// [0, 1] pixel space. Randomness is keyed by (seed, sample id, restart), so the
/// adversarial bytes do not depend on batch size or thread count.
public struct Attacker {
    public let model: Model
    public let config: AttackConfig

    public init(model: Model, config: AttackConfig) throws {
        try config.validate()
        (self.model, self.config) = (model, config)
    }

    /// Attacks `images` with true `labels`; `targets` makes it targeted. `sampleIDs` key
    /// the random starts (default: position in the batch).
    public func run(
        _ images: Tensor, labels: [Int], targets: [Int]? = nil, sampleIDs: [Int]? = nil, recordTrajectory: Bool = false
    ) throws -> AttackOutcome {
        let n = images.shape.first ?? 0
        guard images.rank == 4, labels.count == n, targets.map({ $0.count == n }) ?? true else {
            throw AttackError.invalid("attack needs images [N, C, H, W] with N labels (and N targets); got \(images.shape), \(labels.count) labels")
        }
        let classes = model.preset.labels.count
        if let bad = (labels + (targets ?? [])).first(where: { $0 < 0 || (classes > 0 && $0 >= classes) }) {
            throw AttackError.invalid("class \(bad) is outside the model's \(classes) classes")
        }
        let ids = sampleIDs ?? Array(0..<n)
        if config.method == .cw {
            return try CarliniWagner(model: model, config: config).run(images, labels: labels, targets: targets, recordTrajectory: recordTrajectory)
        }
        let x0 = images.detached.scalars
        let d = x0.count / max(n, 1)
        let threat = ThreatModel(norm: config.norm, eps: config.eps)

        var best = x0
        var bestSuccess = [Bool](repeating: false, count: n)
        var bestLoss = [Float](repeating: -.infinity, count: n)
        var trajectories = [[AttackStep]](repeating: [], count: n)

        for restart in 0..<config.restarts {
            var x = x0
            if config.randomStart && config.eps > 0 {
                for i in 0..<n {
                    threat.randomStart(&x, origin: x0, sample: i * d..<(i + 1) * d,
                                       stream: RandomStream(seed: config.seed, key: [UInt64(ids[i]), UInt64(restart)]))
                }
            }
            var momentum = [Float](repeating: 0, count: x.count)
            var frozen = [Bool](repeating: false, count: n)    // succeeded, early stop
            var success = [Bool](repeating: false, count: n)   // succeeded at some iterate
            var keptLoss = [Float](repeating: -.infinity, count: n)
            var keptX = x

            for step in 0...config.steps {
                // The last round only evaluates the final iterate.
                let evaluateOnly = step == config.steps
                let (logits, grad) = try evaluate(x, shape: images.shape, labels: labels, targets: targets, withGradient: !evaluateOnly)
                let predictions = try logits.argmax()
                let losses = try AttackLoss.perSample(logits, labels: labels, targets: targets, kind: config.loss)
                let probabilities = recordTrajectory && restart == 0 ? try Autograd.noGrad { try logits.softmax() }.scalars : []
                for i in 0..<n where !frozen[i] {
                    let hit = targets.map { predictions[i] == $0[i] } ?? (predictions[i] != labels[i])
                    // Keep the latest successful iterate (or the latest one while none has
                    // succeeded), so more steps can never undo a success.
                    if hit || !success[i] {
                        for j in i * d..<(i + 1) * d { keptX[j] = x[j] }
                        keptLoss[i] = losses[i]
                    }
                    if hit {
                        success[i] = true
                        if config.earlyStop { frozen[i] = true }
                    }
                    if !probabilities.isEmpty {
                        let k = logits.shape[1]
                        trajectories[i].append(AttackStep(
                            step: step, loss: losses[i], trueProbability: probabilities[i * k + labels[i]],
                            targetProbability: targets.map { probabilities[i * k + $0[i]] }, predicted: predictions[i]))
                    }
                }
                guard var direction = grad, !evaluateOnly, frozen.contains(false) else { break }
                if config.method == .mifgsm {
                    // Accumulate L1-normalized gradients (Dong et al. 2018).
                    for i in 0..<n where !frozen[i] {
                        let range = i * d..<(i + 1) * d
                        var l1: Double = 0
                        for j in range { l1 += Double(Swift.abs(direction[j])) }
                        let inv = l1 > 0 ? Float(1 / l1) : 0
                        for j in range { momentum[j] = config.momentum * momentum[j] + direction[j] * inv }
                    }
                    direction = momentum
                }
                for i in 0..<n where !frozen[i] {
                    let range = i * d..<(i + 1) * d
                    threat.step(&x, gradient: direction, alpha: config.stepSize, sample: range)
                    threat.project(&x, origin: x0, sample: range)
                }
            }
            // Keep, per sample, a success over a failure, else the higher loss.
            for i in 0..<n {
                let better = success[i] && !bestSuccess[i] || (success[i] == bestSuccess[i] && keptLoss[i] > bestLoss[i])
                if better {
                    for j in i * d..<(i + 1) * d { best[j] = keptX[j] }
                    (bestSuccess[i], bestLoss[i]) = (success[i], keptLoss[i])
                }
            }
        }
        let adversarial = try Tensor(shape: images.shape, scalars: best)
        let predictions = try model.logits(adversarial).argmax()
        let success = (0..<n).map { i in targets.map { predictions[i] == $0[i] } ?? (predictions[i] != labels[i]) }
        return AttackOutcome(adversarial: adversarial, success: success, predictions: predictions, trajectories: trajectories)
    }

    /// Logits at x and, when asked, the gradient of the attack objective.
    private func evaluate(
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
