import LoupeNN
import LoupeTensor

/// Madry et al.'s adversarial training: every batch is replaced by its PGD adversary
/// (random start in the ε-ball, signed-gradient steps of size α on the cross-entropy,
/// projection onto the ball ∩ [0, 1] after each) before the weight update; with FGSM it is
/// Wong et al. 2020's fast adversarial training (random start, one step of α = 1.25ε by
/// default), which can overfit catastrophically: robust to FGSM, not to PGD. It runs the
/// attacks' own driver in its lean mode: the last iterate is kept, as Madry does, with
/// no early stop and no evaluation passes, which the attack command needs for reporting
/// but training would only pay for.
public struct AdversarialTraining: Sendable {
    public let config: AttackConfig

    /// `pgd` (random start, `steps` steps of α) or `fgsm` (random start, one step of α,
    /// default 1.25ε; without the random start one step of ε from the image).
    public init(method: AttackConfig.Method, eps: Float, alpha: Float? = nil, steps: Int? = nil,
                randomStart: Bool = true) throws {
        guard method.trainable else {
            throw AttackError.invalid("adversarial training supports \(AttackConfig.Method.trainableNames), not \(method.rawValue)")
        }
        var config = AttackConfig(method: method, norm: .linf, eps: eps, alpha: alpha, steps: steps)
        config.randomStart = randomStart
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

    /// The adversarial version of `images` (pixels in [0, 1]) for `model`. Sample i's
    /// random start is drawn from `stream.derived(i)`: keyed by the trainer's batch, not
    /// by (seed, sample id, restart) as attacks are.
    public func perturb(model: Model, images: Tensor, labels: [Int], stream: RandomStream) throws -> Tensor {
        let driver = AttackDriver(model: model, config: config)
        let batch = try driver.batch(images, labels: labels, targets: nil, sampleIDs: nil)
        return try driver.lastIterate(batch) { stream.derived(UInt64($0)) }
    }
}
