import LoupeReport

/// Welch's two-sample t-test (unequal variances, Welch–Satterthwaite degrees of freedom),
/// two-sided.
public struct WelchTTest: Codable, Sendable, Equatable {
    /// nil when both samples are constant (no spread to scale the difference by).
    @EncodedNull public var t: Double?
    public var degreesOfFreedom: Double
    public var p: Double

    enum CodingKeys: String, CodingKey { case t, degreesOfFreedom = "df", p }

    public init(_ a: [Double], _ b: [Double]) throws {
        guard a.count >= 2, b.count >= 2 else { throw VisError.invalid("a t-test needs at least 2 values on each side") }
        func moments(_ x: [Double]) -> (mean: Double, variance: Double) {
            let mean = x.reduce(0, +) / Double(x.count)
            return (mean, x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1))
        }
        let (ma, va) = moments(a), (mb, vb) = moments(b)
        let (sa, sb) = (va / Double(a.count), vb / Double(b.count))
        let se2 = sa + sb
        if se2 <= 0 {
            // Both samples constant: identical means are no evidence, different ones are certain.
            t = nil
            degreesOfFreedom = Double(a.count + b.count - 2)
            p = ma == mb ? 1 : 0
            return
        }
        let t = (ma - mb) / se2.squareRoot()
        self.t = t
        degreesOfFreedom = se2 * se2 / (sa * sa / Double(a.count - 1) + sb * sb / Double(b.count - 1))
        p = StudentT.twoSidedP(t, degreesOfFreedom: degreesOfFreedom)
    }
}
