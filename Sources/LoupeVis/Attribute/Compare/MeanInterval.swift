import LoupeReport

/// The mean of one metric over the images and its 95% Student t-interval,
/// mean ± t_{0.975, n−1}·s/√n with s the sample standard deviation: the images are the
/// sample, so the interval says how far the mean could move on other images like them.
/// With one image there is no spread to measure and the bounds are null.
public struct MeanInterval: Codable, Sendable, Equatable {
    @EncodedNull public var mean: Double? = nil
    @EncodedNull public var lower: Double? = nil
    @EncodedNull public var upper: Double? = nil
    /// Images that had this metric (NaN and missing values left out).
    public var n: Int

    public static let level = 0.95
    public static let rule = "95% Student t-interval over images: mean ± t(0.975, n−1)·s/√n"

    public init(_ values: [Double]) {
        let kept = values.filter(\.isFinite)
        n = kept.count
        guard n > 0 else { return }
        let m = kept.reduce(0, +) / Double(n)
        mean = m
        guard n > 1 else { return }
        let variance = kept.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)
        let half = StudentT.critical(level: Self.level, degreesOfFreedom: n - 1) * (variance / Double(n)).squareRoot()
        (lower, upper) = (m - half, m + half)
    }
}
