import Foundation

/// The regularized incomplete beta function I_x(a, b), by the continued fraction of
/// Numerical Recipes (3rd ed., §6.4) evaluated with the modified Lentz method; the
/// symmetry I_x(a, b) = 1 − I_{1−x}(b, a) keeps x on the side where it converges fast.
enum IncompleteBeta {
    static func regularized(_ x: Double, a: Double, b: Double) -> Double {
        guard a > 0, b > 0, x.isFinite else { return .nan }
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * Foundation.log(x) + b * Foundation.log1p(-x)
        let front = Foundation.exp(logBeta + logPowers)
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x, a: a, b: b) / a }
        return 1 - front * continuedFraction(1 - x, a: b, b: a) / b
    }

    /// NR's betacf: the continued fraction for I_x(a, b), converged to 1e-15 relative.
    static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let (qab, qap, qam) = (a + b, a + 1, a - 1)
        var c = 1.0, d = 1 - qab * x / qap
        if Swift.abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if Swift.abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if Swift.abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if Swift.abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if Swift.abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if Swift.abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}

