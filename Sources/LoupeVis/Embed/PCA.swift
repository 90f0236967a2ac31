import LoupeTensor

/// Principal component analysis of n points in d dimensions, through LAPACK: the
/// eigenvectors of the covariance (d×d) when d ≤ n, else of the Gram matrix (n×n), whose
/// eigenvectors scaled by √λ are the same coordinates at a smaller cost. In double,
/// because the covariance squares the data's condition number.
public struct PCA {
    /// n × components, row-major: each point's coordinates on the leading components.
    public let coordinates: [Float]
    public let components: Int
    /// Each leading component's share of the total variance, descending.
    public let explainedVarianceRatio: [Double]
    /// The total variance (trace of the covariance, denominator n − 1).
    public let totalVariance: Double

    /// Projects the row-major n×d `points` onto their first `components` principal axes,
    /// reporting the variance share of the first `reported` of them. A component's sign is
    /// fixed so that its coordinate of largest magnitude is positive.
    public init(_ points: [Float], count n: Int, dimensions d: Int, components: Int = 2, reported: Int = 10) throws {
        let (size, overflow) = n.multipliedReportingOverflow(by: d)
        guard n >= 2, d >= 1, !overflow, size == points.count else {
            throw VisError.invalid("PCA needs at least 2 points of at least 1 dimension (\(n)×\(d) given, \(points.count) values)")
        }
        guard components >= 1, components <= Swift.min(n, d) else {
            throw VisError.invalid("PCA of \(n) points in \(d) dimensions has at most \(Swift.min(n, d)) components, \(components) asked")
        }
        var centered = [Double](repeating: 0, count: size)
        for j in 0..<d {
            var mean = 0.0
            for i in 0..<n { mean += Double(points[i * d + j]) }
            mean /= Double(n)
            for i in 0..<n { centered[i * d + j] = Double(points[i * d + j]) - mean }
        }
        let m = Swift.min(n, d), useGram = d > n
        let gram = try LAPACK.gram(centered, rows: n, columns: d, ofColumns: !useGram)
        let (values, vectors) = try LAPACK.symmetricEigen(gram, order: m)
        let scale = 1 / Double(n - 1)
        let eigen = values.reversed().map { Swift.max($0, 0) * scale }
        let total = (0..<m).reduce(0.0) { $0 + gram[$1 * m + $1] } * scale
        var coords = [Float](repeating: 0, count: n * components)
        for c in 0..<components {
            let row = m - 1 - c   // eigenvalues ascend, so the largest is the last row
            var column = [Double](repeating: 0, count: n)
            if useGram {
                let root = Swift.max(values[row], 0).squareRoot()
                for i in 0..<n { column[i] = vectors[row * m + i] * root }
            } else {
                for i in 0..<n {
                    var s = 0.0
                    for j in 0..<d { s += centered[i * d + j] * vectors[row * m + j] }
                    column[i] = s
                }
            }
            let peak = column.indices.max { Swift.abs(column[$0]) < Swift.abs(column[$1]) } ?? 0
            let sign: Double = column[peak] < 0 ? -1 : 1
            for i in 0..<n { coords[i * components + c] = Float(sign * column[i]) }
        }
        self.coordinates = coords
        self.components = components
        self.totalVariance = total
        self.explainedVarianceRatio = eigen.prefix(Swift.min(reported, m)).map { total > 0 ? $0 / total : 0 }
    }
}
