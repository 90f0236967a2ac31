import LoupeReport

/// Which faithfulness metrics `loupe attribute` computes on every map, and their knobs.
///
/// `fast` is every metric whose cost does not depend on the method: deletion, insertion,
/// ROAD and infidelity need only forward passes of perturbed copies of the image (about
/// 2·(steps + 1) + 18 + samples of them, batched). Max-sensitivity re-runs the method on
/// each perturbed input, which is one backward pass for saliency but 50 for SmoothGrad,
/// 65 for IG and 1000 for LIME per draw, so it is in `all`, with Adebayo's randomization
/// test, which re-runs the method once per randomized layer group.
public struct FaithfulnessSettings: Codable, Sendable, Equatable {
    public enum Level: String, Codable, CaseIterable, Sendable {
        case none, fast, all
    }

    public var level = Level.fast
    /// What a removed pixel shows in deletion and insertion (Petsiuk et al. blur the image
    /// for insertion with σ = 5 at 224 px; a constant gray is the other common choice).
    public var substrate = Baseline.blur(sigma: 5)
    /// Deletion and insertion curves have steps + 1 points, 0 … 100% of the pixels.
    public var steps = 100
    /// Infidelity: draws of ε and its standard deviation (each pixel scaled by 1 − ε).
    public var infidelitySamples = 64
    public var infidelitySigma: Float = 0.1
    /// Max-sensitivity: draws inside the L∞ ball of this radius (Captum's defaults).
    public var sensitivitySamples = 10
    public var sensitivityRadius: Float = 0.02
    /// ROAD: the noise added to imputed pixels (Rong et al.'s 0.01, in [0, 1] pixel units).
    public var roadNoise: Float = 0.01

    public init() {}

    enum CodingKeys: String, CodingKey {
        case level, substrate, steps, infidelitySamples = "infidelity_samples", infidelitySigma = "infidelity_sigma"
        case sensitivitySamples = "sensitivity_samples", sensitivityRadius = "sensitivity_radius", roadNoise = "road_noise"
    }

    public var fast: Bool { level != .none }
    public var all: Bool { level == .all }

    public func validate() throws {
        if !(1...10_000).contains(steps) { throw VisError.invalid("--metric-steps must be between 1 and 10000") }
        if !(1...100_000).contains(infidelitySamples) { throw VisError.invalid("--metric-samples must be between 1 and 100000") }
        if !(1...10_000).contains(sensitivitySamples) { throw VisError.invalid("--sensitivity-samples must be between 1 and 10000") }
        if !(infidelitySigma > 0 && infidelitySigma <= 10) { throw VisError.invalid("infidelity σ must be in (0, 10]") }
        if !(sensitivityRadius > 0 && sensitivityRadius <= 1) { throw VisError.invalid("--sensitivity-radius must be in (0, 1]") }
        if !(roadNoise >= 0 && roadNoise <= 1) { throw VisError.invalid("ROAD noise must be in [0, 1]") }
    }
}
