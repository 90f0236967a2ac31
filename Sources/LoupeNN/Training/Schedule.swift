import Foundation

/// Learning rate as a function of the epoch.
public enum LearningRateSchedule: Equatable, Sendable {
    case constant
    /// Multiply by `gamma` every `every` epochs (torch StepLR).
    case step(every: Int, gamma: Float)
    /// Cosine annealing from the base rate to 0 over `epochs` (torch CosineAnnealingLR, eta_min 0),
    /// evaluated per batch for a smooth decay.
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
