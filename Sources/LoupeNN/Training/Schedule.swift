import Foundation

/// Learning rate as a function of the epoch.
public enum LearningRateSchedule: Equatable, Sendable {
    case constant
    /// Multiply by `gamma` every `every` epochs (torch StepLR).
    case step(every: Int, gamma: Float)
    /// Cosine annealing from the base rate to 0 over `epochs` (torch CosineAnnealingLR, eta_min 0),
    /// evaluated per batch for a smooth decay. `epochs` 0 means the trainer's whole run.
    case cosine(epochs: Int)

    /// The rate at fractional epoch `t` (epoch + batch / batches).
    public func rate(base: Float, at t: Double) -> Float {
        switch self {
        case .constant: return base
        case let .step(every, gamma): return base * Foundation.pow(gamma, Float(Int(t) / Swift.max(every, 1)))
        case let .cosine(epochs):
            let progress = Swift.min(t / Double(Swift.max(epochs, 1)), 1)
            return base * Float(0.5 * (1 + Foundation.cos(Double.pi * progress)))
        }
    }
}

extension LearningRateSchedule: CustomStringConvertible {
    /// The spelling `parse` reads: `constant`, `cosine`, `step:EVERY:GAMMA`.
    public var description: String {
        switch self {
        case .constant: return "constant"
        case let .cosine(epochs): return epochs > 0 ? "cosine:\(epochs)" : "cosine"
        case let .step(every, gamma): return "step:\(every):\(gamma)"
        }
    }

    /// Reads `constant`, `cosine` (over the run's epochs), `cosine:EPOCHS` or
    /// `step:EVERY:GAMMA` (e.g. step:2:0.5 halves the rate every 2 epochs).
    public static func parse(_ text: String) throws -> LearningRateSchedule {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        switch parts.first {
        case "constant" where parts.count == 1: return .constant
        case "cosine" where parts.count == 1: return .cosine(epochs: 0)
        case "cosine" where parts.count == 2:
            guard let epochs = Int(parts[1]), epochs > 0 else { break }
            return .cosine(epochs: epochs)
        case "step" where parts.count == 3:
            guard let every = Int(parts[1]), every > 0, let gamma = Float(parts[2]), gamma > 0, gamma.isFinite else { break }
            return .step(every: every, gamma: gamma)
        default: break
        }
        throw ModelError.invalid("unknown learning-rate schedule '\(text)': use constant, cosine or step:EVERY:GAMMA (e.g. step:2:0.5)")
    }

    /// `cosine` without a length spans the whole run: fills in its epoch count.
    public func spanning(_ epochs: Int) -> LearningRateSchedule {
        if case .cosine(0) = self { return .cosine(epochs: epochs) }
        return self
    }
}
