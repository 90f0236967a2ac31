import Foundation

/// Student's t distribution with ν degrees of freedom (ν need not be an integer, as in
/// Welch's test): P(T ≤ t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, and symmetric.
public enum StudentT {
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard nu > 0, !t.isNaN else { return .nan }
        if t.isInfinite { return t > 0 ? 1 : 0 }
        let tail = 0.5 * IncompleteBeta.regularized(nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The t with P(|T_ν| ≤ t) = level, by bisection on the CDF to far below the digits a
    /// table prints: 12.706 for ν = 1 at 95%, 1.960 as ν grows (the interval of a mean over
    /// few images).
    static func critical(level: Double, degreesOfFreedom nu: Int) -> Double {
        precondition(nu >= 1 && level > 0 && level < 1)
        let wanted = (1 + level) / 2
        var (low, high) = (0.0, 1.0)
        while cdf(high, degreesOfFreedom: Double(nu)) < wanted { high *= 2 }
        for _ in 0..<200 where high - low > 1e-13 * high {
            let mid = (low + high) / 2
            if cdf(mid, degreesOfFreedom: Double(nu)) < wanted { low = mid } else { high = mid }
        }
        return (low + high) / 2
    }

    /// P(|T| ≥ |t|).
    public static func twoSidedP(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        guard nu > 0, !t.isNaN else { return .nan }
        if t.isInfinite { return 0 }
        return Swift.min(1, IncompleteBeta.regularized(nu / (nu + t * t), a: nu / 2, b: 0.5))
    }
}

