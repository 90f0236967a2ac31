import Foundation
import LoupeTensor

/// Barnes–Hut t-SNE (van der Maaten 2014) to 2-D, with scikit-learn's schedule: input
/// affinities over the 3·perplexity nearest neighbours, each calibrated to the perplexity
/// by binary search; early exaggeration 12 for the first 250 steps with momentum 0.5,
/// then 0.8; per-coordinate gains (+0.2 / ×0.8, at least 0.01); learning rate
/// max(n / 12 / 4, 50) ("auto", Belkina et al. 2019). The start is Gaussian with standard
/// deviation 10⁻⁴ drawn from the seed; every sum runs in point order, so the map is
/// bit-identical for a seed whatever the thread count.
public struct TSNE {
    public struct Options: Sendable {
        public var perplexity = 30.0
        public var iterations = 1000
        public var seed: UInt64 = 0
        /// Barnes–Hut's accuracy: a cell of side s at distance r is one body when s/r < θ.
        public var theta = 0.5
        public var exaggeration = 12.0
        public var exaggerationIterations = 250
        public init() {}
    }

    /// n × 2, row-major.
    public let coordinates: [Float]
    /// KL(P‖Q) of the final map (Z from the Barnes–Hut estimate).
    public let klDivergence: Double
    public let learningRate: Double

    public init(_ points: [Float], count n: Int, dimensions d: Int, options: Options = Options()) throws {
        let (size, overflow) = n.multipliedReportingOverflow(by: d)
        guard n >= 3, d >= 1, !overflow, size == points.count else {
            throw VisError.invalid("t-SNE needs at least 3 points (\(n)×\(d) given, \(points.count) values)")
        }
        guard options.perplexity >= 1, options.perplexity.isFinite, options.iterations >= 1 else {
            throw VisError.invalid("t-SNE needs a perplexity ≥ 1 and at least one iteration")
        }
        let p = Self.affinities(points, n: n, d: d, perplexity: options.perplexity)
        let lr = Swift.max(Double(n) / options.exaggeration / 4, 50)
        let stream = RandomStream(seed: options.seed, key: [0x7453_4E45])
        var y = (0..<(2 * n)).map { Double(stream.normal(at: UInt64($0))) * 1e-4 }
        var update = [Double](repeating: 0, count: 2 * n), gains = [Double](repeating: 1, count: 2 * n)
        var grad = [Double](repeating: 0, count: 2 * n), repulsion = grad, sums = [Double](repeating: 0, count: n)
        var z = 1.0
        for step in 0..<options.iterations {
            let early = step < options.exaggerationIterations
            z = Self.gradient(y, p, n: n, theta: options.theta, exaggeration: early ? options.exaggeration : 1,
                              into: &grad, repulsion: &repulsion, sums: &sums)
            let momentum = early ? 0.5 : 0.8
            for c in 0..<(2 * n) {
                gains[c] = update[c] * grad[c] < 0 ? gains[c] + 0.2 : Swift.max(gains[c] * 0.8, 0.01)
                update[c] = momentum * update[c] - lr * gains[c] * grad[c]
                y[c] += update[c]
            }
        }
        guard y.allSatisfy(\.isFinite) else { throw VisError.invalid("t-SNE diverged (a coordinate is not finite)") }
        var kl = 0.0
        for i in 0..<n {
            for (j, pij) in p.row(i) where pij > 0 {
                let (dx, dy) = (y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1])
                let q = Swift.max(1 / (1 + dx * dx + dy * dy) / z, Double.leastNormalMagnitude)
                kl += pij * Foundation.log(pij / q)
            }
        }
        (coordinates, klDivergence, learningRate) = (y.map(Float.init), kl, lr)
    }

    /// The symmetric input affinities P (sum 1) in compressed rows.
    struct Sparse {
        var start: [Int], column: [Int], value: [Double]
        func row(_ i: Int) -> Zip2Sequence<ArraySlice<Int>, ArraySlice<Double>> {
            zip(column[start[i]..<start[i + 1]], value[start[i]..<start[i + 1]])
        }

        /// The three arrays as buffers, for the gradient's inner loop.
        func withUnsafeRows<R>(
            _ body: (UnsafeBufferPointer<Int>, UnsafeBufferPointer<Int>, UnsafeBufferPointer<Double>) throws -> R
        ) rethrows -> R {
            try start.withUnsafeBufferPointer { s in
                try column.withUnsafeBufferPointer { c in try value.withUnsafeBufferPointer { try body(s, c, $0) } }
            }
        }
    }

    /// pⱼ|ᵢ over i's ⌊3·perplexity⌋ nearest neighbours with the Gaussian's precision found by
    /// bisection so that the row's entropy is log(perplexity) nats; then (pⱼ|ᵢ + pᵢ|ⱼ)/(2n).
    static func affinities(_ x: [Float], n: Int, d: Int, perplexity: Double) -> Sparse {
        let k = Swift.min(n - 1, Swift.max(1, Int(3 * perplexity)))
        var neighbours = [Int](repeating: 0, count: n * k), conditional = [Double](repeating: 0, count: n * k)
        neighbours.withUnsafeMutableBufferPointer { nb in
            conditional.withUnsafeMutableBufferPointer { cp in
                let (nb, cp) = (nb, cp)
                Parallel.forEach(n) { i in
                    let distance = EmbeddingQuality.distances(from: i, x, d, n)
                    let near = EmbeddingQuality.nearest(k, distance, excluding: i)
                    let row = calibrated(near.map { Double(distance[$0]) }, perplexity: perplexity)
                    for (c, (j, v)) in zip(near, row).enumerated() { (nb[i * k + c], cp[i * k + c]) = (j, v) }
                }
            }
        }
        var rows = [[(Int, Double)]](repeating: [], count: n)
        for i in 0..<n {
            for c in 0..<k {
                let (j, v) = (neighbours[i * k + c], conditional[i * k + c] / (2 * Double(n)))
                rows[i].append((j, v))
                rows[j].append((i, v))
            }
        }
        var sparse = Sparse(start: [0], column: [], value: [])
        for i in 0..<n {
            let sorted = rows[i].sorted { $0.0 < $1.0 }
            var at = 0
            while at < sorted.count {
                var (j, v) = sorted[at]
                at += 1
                while at < sorted.count, sorted[at].0 == j { v += sorted[at].1; at += 1 }
                sparse.column.append(j)
                sparse.value.append(v)
            }
            sparse.start.append(sparse.column.count)
        }
        return sparse
    }

    /// A Gaussian row over squared distances whose entropy is log(perplexity): bisection on
    /// the precision β (100 steps at most, to 10⁻⁵ nats). Distances are shifted by their
    /// minimum, which leaves the normalised row unchanged and keeps exp from underflowing.
    static func calibrated(_ distances: [Double], perplexity: Double) -> [Double] {
        let target = Foundation.log(perplexity), least = distances.min() ?? 0
        let shifted = distances.map { $0 - least }
        var (beta, low, high) = (1.0, -Double.infinity, Double.infinity)
        var row = [Double](repeating: 0, count: distances.count)
        for _ in 0..<100 {
            var sum = 0.0, weighted = 0.0
            for (c, s) in shifted.enumerated() {
                row[c] = Foundation.exp(-s * beta)
                sum += row[c]
                weighted += s * row[c]
            }
            let entropy = Foundation.log(sum) + beta * weighted / sum
            for c in row.indices { row[c] /= sum }
            if Swift.abs(entropy - target) <= 1e-5 { break }
            if entropy > target {
                low = beta
                beta = high == .infinity ? beta * 2 : (beta + high) / 2
            } else {
                high = beta
                beta = low == -.infinity ? beta / 2 : (beta + low) / 2
            }
        }
        return row
    }

    /// Points per block of the parallel gradient: fixed, so the blocks (and the order of
    /// every sum) do not depend on the thread count.
    static let block = 256

    /// ∂KL/∂y = 4·(exaggeration·Σⱼ pᵢⱼ qᵢⱼZ (yᵢ − yⱼ) − Σⱼ (qᵢⱼZ)² (yᵢ − yⱼ) / Z), the
    /// repulsion by Barnes–Hut. Returns Z = Σ_{i≠j} 1/(1 + |yᵢ − yⱼ|²).
    static func gradient(_ y: [Double], _ p: Sparse, n: Int, theta: Double, exaggeration: Double,
                         into grad: inout [Double], repulsion: inout [Double], sums: inout [Double]) -> Double {
        let tree = QuadTree(y)
        grad.withUnsafeMutableBufferPointer { g in
            repulsion.withUnsafeMutableBufferPointer { f in
                sums.withUnsafeMutableBufferPointer { s in
                    y.withUnsafeBufferPointer { y in
                        p.withUnsafeRows { start, column, value in
                            let (g, f, s, y) = (g, f, s, y)
                            Parallel.forEach((n + block - 1) / block) { b in
                                tree.withRepulsion { repulsion in
                                    for i in (b * block)..<Swift.min((b + 1) * block, n) {
                                        let (px, py) = (y[2 * i], y[2 * i + 1])
                                        var (ax, ay) = (0.0, 0.0)
                                        for e in start[i]..<start[i + 1] {
                                            let j = column[e]
                                            let (dx, dy) = (px - y[2 * j], py - y[2 * j + 1])
                                            let w = value[e] / (1 + dx * dx + dy * dy)
                                            ax += w * dx
                                            ay += w * dy
                                        }
                                        let r = repulsion(px, py, theta: theta)
                                        (g[2 * i], g[2 * i + 1]) = (exaggeration * ax, exaggeration * ay)
                                        (f[2 * i], f[2 * i + 1], s[i]) = (r.fx, r.fy, r.sum)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Z is known only once every point is done, so the repulsion is scaled afterwards.
        let z = Swift.max(sums.reduce(0, +), Double.leastNormalMagnitude)
        for c in 0..<(2 * n) { grad[c] = 4 * (grad[c] - repulsion[c] / z) }
        return z
    }
}
