import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor

/// What an attack did to one image: the classes before and after, the perturbation's
/// size and the trajectory. Success is judged on the image rounded to 8 bits (staying
/// inside the L∞ ball), since that is the image a user shares.
public struct AdversarialExample: Codable, Sendable, Equatable {
    /// The attack as it ran, defaults filled in.
    public struct Applied: Codable, Sendable, Equatable {
        public var method: AttackConfig.Method
        public var norm: AttackConfig.Norm
        public var eps: Float
        public var alpha: Float
        public var steps: Int
        public var restarts: Int
        public var loss: AttackConfig.Loss
        public var earlyStop: Bool
        public var seed: UInt64

        enum CodingKeys: String, CodingKey {
            case method, norm, eps, alpha, steps, restarts, loss, seed
            case earlyStop = "early_stop"
        }

        init(_ c: AttackConfig) {
            (method, norm, eps, alpha, steps, restarts) = (c.method, c.norm, c.eps, c.stepSize, c.steps, c.restarts)
            (loss, earlyStop, seed) = (c.loss, c.earlyStop, c.seed)
        }
    }

    public struct Top: Codable, Sendable, Equatable {
        public var top: [Prediction]
    }

    /// One step of the float attack (before rounding).
    public struct Step: Codable, Sendable, Equatable {
        public var step: Int
        public var loss: Float
        public var trueProbability: Float
        @EncodedNull public var targetProbability: Float?
        public var predicted: Int

        enum CodingKeys: String, CodingKey {
            case step, loss, predicted
            case trueProbability = "true_probability", targetProbability = "target_probability"
        }
    }

    public var image: String
    public var model: String
    public var settings: Applied
    public var trueClass: Int
    @EncodedNull public var target: Int?
    public var before: Top
    public var after: Top
    public var linf: Float
    public var l2: Float
    /// After 8-bit rounding.
    public var success: Bool
    public var successBeforeQuantization: Bool
    /// First step whose top-1 left the true class (or reached the target).
    @EncodedNull public var flipStep: Int?
    public var seconds: Double
    public var trajectory: [Step]

    enum CodingKeys: String, CodingKey {
        case image, model, settings, target, before, after, linf, l2, success, seconds, trajectory
        case trueClass = "true_class", successBeforeQuantization = "success_before_quantization", flipStep = "flip_step"
    }

    /// Attacks the image at `path`. Returns the example and the two images it compares,
    /// both as rounded to 8 bits. `announce` hears one line before the attack starts.
    public static func make(
        _ path: String, model: Model, settings: AttackSettings, announce: (String) -> Void = { _ in }
    ) throws -> (example: AdversarialExample, original: Tensor, adversarial: Tensor) {
        try settings.validate()
        let config = settings.config
        let attacker = try Attacker(model: model, config: config)
        let x0 = try Perturbation.quantized(try model.input(from: try Image.load(path: path)))
        let before = try model.topK(x0, k: 5)[0]
        let trueClass = try settings.label.map { try model.preset.classIndex($0) } ?? before[0].index
        let target = try settings.target.map { try model.preset.classIndex($0) }
        announce("\(path): \(before[0].name) \(String(format: "%.1f%%", before[0].probability * 100)); "
                 + "\(config.method.rawValue) \(config.norm.rawValue) ε = \(String(format: "%g (%.3g/255)", config.eps, config.eps * 255))"
                 + (target.map { " → \(model.preset.labels[$0])" } ?? ""))

        let start = Date()
        let outcome = try attacker.run(x0, labels: [trueClass], targets: target.map { [$0] }, sampleIDs: [0], recordTrajectory: true)
        let seconds = Date().timeIntervalSince(start)
        let adversarial = config.norm == .linf
            ? try Perturbation.quantized(outcome.adversarial, within: config.eps, of: x0)
            : try Perturbation.quantized(outcome.adversarial)
        let after = try model.topK(adversarial, k: 5)[0]
        let stats = try Perturbation.stats(adversarial, origin: x0)[0]
        func reached(_ predicted: Int) -> Bool { target.map { predicted == $0 } ?? (predicted != trueClass) }
        let trajectory = (outcome.trajectories.first ?? []).map {
            Step(step: $0.step, loss: $0.loss, trueProbability: $0.trueProbability, targetProbability: $0.targetProbability, predicted: $0.predicted)
        }
        let example = AdversarialExample(
            image: path, model: model.name, settings: Applied(config), trueClass: trueClass, target: target,
            before: Top(top: before), after: Top(top: after), linf: stats.linf, l2: stats.l2, success: reached(after[0].index),
            successBeforeQuantization: outcome.success[0], flipStep: trajectory.first { reached($0.predicted) }?.step,
            seconds: seconds, trajectory: trajectory)
        return (example, x0, adversarial)
    }

    /// One line: the top-1 before and after, the perturbation's size, the verdict.
    public var headline: String {
        func top(_ t: Top) -> String { t.top.first.map { String(format: "%@ %.1f%%", $0.name, $0.probability * 100) } ?? "?" }
        return "\(top(before)) → \(top(after))" + String(format: "  (L∞ %.4f, L2 %.3f, %@)", linf, l2, success ? "success" : "failed")
    }
}
