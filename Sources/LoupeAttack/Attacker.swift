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
    /// Per sample, the first step whose iterate succeeded (0 = the start point), nil if none did.
    /// For CW it is the first Adam step of the first search round that succeeded.
    public let successStep: [Int?]
    /// Per sample, per step (only when requested).
    public let trajectories: [[AttackStep]]
}

/// Runs gradient attacks (FGSM, BIM, PGD L∞/L2, MI-FGSM, APGD) and CW-L2 on a model in
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
    /// the random starts (default: position in the batch), so a sample gets the same
    /// start whatever batch it is in.
    public func run(
        _ images: Tensor, labels: [Int], targets: [Int]? = nil, sampleIDs: [Int]? = nil, recordTrajectory: Bool = false
    ) throws -> AttackOutcome {
        let n = images.shape.first ?? 0
        guard images.rank == 4, labels.count == n, targets.map({ $0.count == n }) ?? true,
              sampleIDs.map({ $0.count == n }) ?? true else {
            throw AttackError.invalid("attack needs images [N, C, H, W] with N labels (and N targets, N ids); got \(images.shape), \(labels.count) labels")
        }
        let classes = model.preset.labels.count
        if let bad = (labels + (targets ?? [])).first(where: { $0 < 0 || (classes > 0 && $0 >= classes) }) {
            throw AttackError.invalid("class \(bad) is outside the model's \(classes) classes")
        }
        if n == 0 {
            return AttackOutcome(adversarial: images.detached, success: [], predictions: [], successStep: [], trajectories: [])
        }
        let ids = sampleIDs ?? Array(0..<n)
        if config.method == .cw {
            return try CarliniWagner(model: model, config: config).run(images, labels: labels, targets: targets, recordTrajectory: recordTrajectory)
        }
        if config.method == .apgd {
            return try runAPGD(images, labels: labels, targets: targets, ids: ids, recordTrajectory: recordTrajectory)
        }
        let x0 = images.detached.scalars
        let d = x0.count / n
        let sampleShape = Array(images.shape.dropFirst())
        let threat = ThreatModel(norm: config.norm, eps: config.eps)
        func hits(_ i: Int, _ prediction: Int) -> Bool { targets.map { prediction == $0[i] } ?? (prediction != labels[i]) }

        var best = BestOverRestarts(x0, samples: n)
        var trajectories = [[AttackStep]](repeating: [], count: n)

        for restart in 0..<config.restarts {
            var x = x0
            if config.randomStart && config.eps > 0 {
                for i in 0..<n {
                    threat.randomStart(&x, origin: x0, sample: i * d..<(i + 1) * d,
                                       stream: RandomStream(seed: config.seed, key: [UInt64(ids[i]), UInt64(restart)]))
                }
            }
            var momentum = [Float](repeating: 0, count: config.method == .mifgsm ? x.count : 0)
            var frozen = [Bool](repeating: false, count: n)    // succeeded, early stop
            var firstHit = [Int?](repeating: nil, count: n)
            var keptLoss = [Float](repeating: -.infinity, count: n)
            var keptX = x

            for step in 0...config.steps {
                // Only samples still being attacked go through the model: with early stop the
                // batch shrinks as samples break, which is most of the saving in a sweep.
                let active = (0..<n).filter { !frozen[$0] }
                if active.isEmpty { break }
                // The last round only evaluates the final iterate.
                let evaluateOnly = step == config.steps
                let round = try evaluate(x, samples: active, sampleShape: sampleShape, labels: labels, targets: targets,
                                         withGradient: !evaluateOnly, probabilities: recordTrajectory && restart == 0)
                let (predictions, losses, grad) = (round.predictions, round.losses, round.gradient)
                for (a, i) in active.enumerated() {
                    let hit = hits(i, predictions[a])
                    // Keep the latest successful iterate (or the latest one while none has
                    // succeeded), so more steps can never undo a success.
                    if hit || firstHit[i] == nil {
                        for j in 0..<d { keptX[i * d + j] = x[i * d + j] }
                        keptLoss[i] = losses[a]
                    }
                    if hit {
                        if firstHit[i] == nil { firstHit[i] = step }
                        if config.earlyStop { frozen[i] = true }
                    }
                    if let record = round.record(a, step: step, label: labels[i], target: targets?[i]) {
                        trajectories[i].append(record)
                    }
                }
                guard var direction = grad, !evaluateOnly else { break }
                if config.method == .mifgsm {
                    // Accumulate L1-normalized gradients (Dong et al. 2018).
                    for (a, i) in active.enumerated() {
                        var l1: Double = 0
                        for j in 0..<d { l1 += Double(Swift.abs(direction[a * d + j])) }
                        let inv = l1 > 0 ? Float(1 / l1) : 0
                        for j in 0..<d {
                            momentum[i * d + j] = config.momentum * momentum[i * d + j] + direction[a * d + j] * inv
                            direction[a * d + j] = momentum[i * d + j]
                        }
                    }
                }
                for (a, i) in active.enumerated() where !frozen[i] {
                    threat.step(&x, at: i * d, gradient: direction, from: a * d, count: d, alpha: config.stepSize)
                    threat.project(&x, origin: x0, sample: i * d..<(i + 1) * d)
                }
            }
            for i in 0..<n { best.offer(i, from: keptX, success: firstHit[i] != nil, loss: keptLoss[i], step: firstHit[i]) }
        }
        return try outcome(best.x, shape: images.shape, hits: hits, bestStep: best.step, trajectories: trajectories)
    }

    /// The returned images, judged afresh by the model: success is what it says of them,
    /// not what an earlier iterate's bookkeeping remembers.
    func outcome(
        _ best: [Float], shape: [Int], hits: (Int, Int) -> Bool, bestStep: [Int?], trajectories: [[AttackStep]]
    ) throws -> AttackOutcome {
        let adversarial = try Tensor(shape: shape, scalars: best)
        let predictions = try model.logits(adversarial).argmax()
        let success = predictions.indices.map { hits($0, predictions[$0]) }
        return AttackOutcome(adversarial: adversarial, success: success, predictions: predictions,
                             successStep: success.indices.map { success[$0] ? bestStep[$0] : nil }, trajectories: trajectories)
    }

    /// Per sample, the best result over random restarts: a success over a failure, else
    /// the higher loss.
    struct BestOverRestarts {
        private(set) var x: [Float]
        private(set) var step: [Int?]
        private var success: [Bool]
        private var loss: [Float]
        private let d: Int

        init(_ x0: [Float], samples n: Int) {
            (x, d) = (x0, x0.count / Swift.max(n, 1))
            step = Array(repeating: nil, count: n)
            success = Array(repeating: false, count: n)
            loss = Array(repeating: -.infinity, count: n)
        }

        /// Sample i of a restart's batch `candidate`, kept if it beats what is kept.
        mutating func offer(_ i: Int, from candidate: [Float], success s: Bool, loss l: Float, step first: Int?) {
            guard s && !success[i] || (s == success[i] && l > loss[i]) else { return }
            for j in i * d..<(i + 1) * d { x[j] = candidate[j] }
            (success[i], loss[i], step[i]) = (s, l, first)
        }
    }

    /// One round of an iterative attack over the samples still attacked.
    struct Round {
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

    /// Gathers `samples` of the batch `x` (flat, sample-major), runs them through the
    /// model and returns predictions, per-sample losses and, when asked, the gradient
    /// (rows in the order of `samples`).
    func evaluate(
        _ x: [Float], samples: [Int], sampleShape: [Int], labels: [Int], targets: [Int]?,
        withGradient: Bool, probabilities: Bool
    ) throws -> Round {
        let d = sampleShape.reduce(1, *)
        var xa = [Float](repeating: 0, count: samples.count * d)
        for (a, i) in samples.enumerated() { for j in 0..<d { xa[a * d + j] = x[i * d + j] } }
        let la = samples.map { labels[$0] }, ta = targets.map { t in samples.map { t[$0] } }
        let (logits, gradient) = try evaluate(xa, shape: [samples.count] + sampleShape, labels: la, targets: ta,
                                              withGradient: withGradient)
        return Round(
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
