import Foundation

/// Student's t distribution, for the confidence interval of a mean over few images.
/// The CDF goes through the regularized incomplete beta function,
/// P(T ≤ t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0 (Abramowitz & Stegun 26.7.1), with
/// I evaluated by its continued fraction (A&S 26.5.8, Lentz's method); the critical value
/// is found by bisection, to far below the digits a table prints.
enum StudentT {
    /// The t with P(|T_ν| ≤ t) = level: 12.706 for ν = 1 at 95%, 1.960 as ν grows.
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

    static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        let tail = 0.5 * regularizedBeta(nu / (nu + t * t), a: nu / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// I_x(a, b), from whichever side its continued fraction converges fast on.
    static func regularizedBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * log(x) + b * log(1 - x)
        let logFront = logBeta + logPowers
        if x < (a + 1) / (a + b + 2) { return exp(logFront) * continuedFraction(x, a: a, b: b) / a }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            let even: Double = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            let odd: Double = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            for numerator in [even, odd] {
                d = 1 + numerator * d
                d = 1 / (abs(d) < tiny ? tiny : d)
                c = 1 + numerator / c
                if abs(c) < tiny { c = tiny }
                h *= d * c
            }
            if abs(d * c - 1) < 1e-15 { break }
        }
        return h
    }
}
