import LoupeNN
import LoupeTensor

/// Madry et al.'s adversarial training: every batch is replaced by its PGD adversary
/// (random start in the ε-ball, signed-gradient steps of size α on the cross-entropy,
/// projection onto the ball ∩ [0, 1] after each) before the weight update. It uses the
/// attacks' own step, random start and projection (`ThreatModel`), and keeps the last
/// iterate as Madry does: no early stop and no evaluation passes, which the attack
/// command needs for reporting but training would only pay for.
public struct AdversarialTraining: Sendable {
    public let config: AttackConfig

    /// `pgd` (random start, `steps` steps of α) or `fgsm` (one step of ε from the image).
    public init(method: AttackConfig.Method, eps: Float, alpha: Float? = nil, steps: Int? = nil,
                randomStart: Bool = true) throws {
        guard method == .pgd || method == .fgsm else {
            throw AttackError.invalid("adversarial training supports pgd and fgsm, not \(method.rawValue)")
        }
        var config = AttackConfig(method: method, norm: .linf, eps: eps, alpha: alpha, steps: steps)
        config.randomStart = method == .pgd && randomStart
        config.earlyStop = false
        try config.validate()
        self.config = config
    }

    /// What the checkpoint's sidecar records.
    public var info: TrainedModelFile.AdversarialTrainingInfo {
        .init(method: config.method.rawValue, eps: config.eps, alpha: config.stepSize, steps: config.steps,
              randomStart: config.randomStart)
    }

    /// Makes `trainer` attack each batch before its update. Randomness comes from the
    /// trainer's per-batch stream, so runs (and resumed runs) repeat exactly.
    public func install(on trainer: Trainer) {
        let model = trainer.model
        trainer.transform = { images, labels, stream in
            try self.perturb(model: model, images: images, labels: labels, stream: stream)
        }
    }

    /// The adversarial version of `images` (pixels in [0, 1]) for `model`.
    public func perturb(model: Model, images: Tensor, labels: [Int], stream: RandomStream) throws -> Tensor {
        let n = images.shape.first ?? 0
        guard images.rank == 4, labels.count == n else {
            throw AttackError.invalid("adversarial training needs images [N, C, H, W] with N labels, got \(images.shape) and \(labels.count)")
        }
        let x0 = images.detached.scalars
        let d = x0.count / max(n, 1)
        let threat = ThreatModel(norm: .linf, eps: config.eps)
        var x = x0
        if config.randomStart && config.eps > 0 {
            for i in 0..<n {
                threat.randomStart(&x, origin: x0, sample: i * d..<(i + 1) * d, stream: stream.derived(UInt64(i)))
            }
        }
        for _ in 0..<config.steps {
            let input = try Tensor(shape: images.shape, scalars: x)
            let gradient = try model.inputGradient(input) { pass in
                guard let logits = pass.output else { throw AttackError.invalid("\(model.name) produced no logits") }
                return try AttackLoss.objective(logits, labels: labels, targets: nil, kind: .ce)
            }.gradient.scalars
            for i in 0..<n {
                let range = i * d..<(i + 1) * d
                threat.step(&x, at: range.lowerBound, gradient: gradient, from: range.lowerBound, count: d, alpha: config.stepSize)
                threat.project(&x, origin: x0, sample: range)
            }
        }
        return try Tensor(shape: images.shape, scalars: x)
    }
}
