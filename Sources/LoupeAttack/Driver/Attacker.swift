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
    /// Per sample, the model queries the attack made (forward passes, with or without a
    /// gradient), not counting the final re-judging.
    public let queries: [Int]
    /// Per sample, the attack that broke it (for a cascade, its member: "apgd-t"); nil if
    /// none did.
    public let brokenBy: [String?]
}

/// Runs any registered attack on a model in [0, 1] pixel space. Randomness is keyed by
/// (seed, sample id, restart), so the adversarial bytes do not depend on batch size or
/// thread count.
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
        let driver = AttackDriver(model: model, config: config)
        let batch = try driver.batch(images, labels: labels, targets: targets, sampleIDs: sampleIDs)
        return try driver.run(batch, recordTrajectory: recordTrajectory)
    }
}
