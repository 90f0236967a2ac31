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
        /// The query budget, for an attack that spends queries (Square, AutoAttack).
        public var queries: Int?
        /// The likely wrong classes aimed at, for APGD-T, FAB-T and AutoAttack.
        public var targetClasses: Int?

        enum CodingKeys: String, CodingKey {
            case method, norm, eps, alpha, steps, restarts, loss, seed, queries
            case earlyStop = "early_stop", targetClasses = "target_classes"
        }

        init(_ c: AttackConfig) {
            (method, norm, eps, alpha, steps, restarts) = (c.method, c.norm, c.eps, c.stepSize, c.steps, c.restarts)
            (loss, earlyStop, seed) = (c.loss, c.earlyStop, c.seed)
            let parts = [c.method] + c.method.members.map(\.method)
            queries = parts.contains { $0.blackBox } ? c.queries : nil
            targetClasses = parts.contains { $0.aimsAtLikelyClasses } ? c.targetClasses : nil
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
    /// L∞ of the float attack, before the image was rounded to 8 bits (`linf` is after).
    public var linfBeforeRounding: Float
    /// Set when 8-bit rounding left the saved image less than one level from the original.
    @EncodedNull public var roundingWarning: String?
    /// Model queries the attack spent, for one that spends them (Square, AutoAttack's Square).
    public var queries: Int?
    /// For a cascade, which of its attacks broke the image.
    public var brokenBy: String?

    enum CodingKeys: String, CodingKey {
        case image, model, settings, target, before, after, linf, l2, success, seconds, trajectory, queries
        case trueClass = "true_class", successBeforeQuantization = "success_before_quantization", flipStep = "flip_step"
        case linfBeforeRounding = "linf_before_rounding", roundingWarning = "rounding_warning", brokenBy = "broken_by"
    }

    /// One 8-bit level: the smallest change a saved PNG can carry.
    public static let level: Float = 1 / 255

    /// Why the saved image is no attack at all although the float one moved it: it is
    /// rounded back onto the original, which happens whenever ε < 1/255 in L∞.
    static func roundingWarning(saved: Float, float: Float, eps: Float, norm: AttackConfig.Norm) -> String? {
        guard saved < level && float > 0 else { return nil }
        let why = norm == .linf && eps < level
            ? String(format: "ε = %g is below one 8-bit level (1/255 ≈ 0.0039), so no pixel of the saved image can change", eps)
            : "every change was smaller than half an 8-bit level"
        return String(format: "8-bit rounding undid the attack: the saved image equals the original (the float attack moved "
                      + "pixels by up to %.4f = %.2f/255); %@", float, float * 255, why)
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
        let floatLinf = try Perturbation.stats(outcome.adversarial, origin: x0)[0].linf
        let spends = config.method.blackBox || config.method.members.contains { $0.method.blackBox }
        func reached(_ predicted: Int) -> Bool { target.map { predicted == $0 } ?? (predicted != trueClass) }
        let trajectory = (outcome.trajectories.first ?? []).map {
            Step(step: $0.step, loss: $0.loss, trueProbability: $0.trueProbability, targetProbability: $0.targetProbability, predicted: $0.predicted)
        }
        let example = AdversarialExample(
            image: path, model: model.name, settings: Applied(config), trueClass: trueClass, target: target,
            before: Top(top: before), after: Top(top: after), linf: stats.linf, l2: stats.l2, success: reached(after[0].index),
            successBeforeQuantization: outcome.success[0], flipStep: trajectory.first { reached($0.predicted) }?.step,
            seconds: seconds, trajectory: trajectory, linfBeforeRounding: floatLinf,
            roundingWarning: roundingWarning(saved: stats.linf, float: floatLinf, eps: config.eps, norm: config.norm),
            queries: spends ? outcome.queries[0] : nil,
            brokenBy: config.method.members.isEmpty ? nil : outcome.brokenBy[0])
        return (example, x0, adversarial)
    }

    /// The saved image's L∞ in 8-bit levels beside the float attack's, e.g. "saved image:
    /// L∞ 1/255 = 0.0039 after 8-bit rounding (float attack 0.0070 = 1.79/255)".
    public var roundingLine: String {
        String(format: "saved image: L∞ %.0f/255 = %.4f after 8-bit rounding (float attack %.4f = %.2f/255)",
               (linf * 255).rounded(), linf, linfBeforeRounding, linfBeforeRounding * 255)
    }

    /// One line: the top-1 before and after, the perturbation's size, the verdict.
    public var headline: String {
        func top(_ t: Top) -> String { t.top.first.map { String(format: "%@ %.1f%%", $0.name, $0.probability * 100) } ?? "?" }
        return "\(top(before)) → \(top(after))" + String(format: "  (L∞ %.4f, L2 %.3f, %@)", linf, l2, success ? "success" : "failed")
    }
}
