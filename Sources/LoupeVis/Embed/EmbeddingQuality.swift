import LoupeTensor

/// How faithful a low-dimensional map is to the points it was made from, and how well
/// each space separates the classes. Exact (all pairs), O(n²·d), spread over the
/// policy's workers; per-point results are summed in point order, so the figures do not
/// depend on the thread count.
public enum EmbeddingQuality {
    /// Trustworthiness (Venna & Kaski 2001): 1 − 2/(n·k·(2n − 3k − 1)) · Σᵢ Σ_{j ∈ Uₖ(i)} (r(i, j) − k),
    /// where Uₖ(i) are i's k nearest neighbours in the map that are not among its k nearest
    /// in the original space and r(i, j) is j's rank among i's neighbours there (1 = nearest).
    /// 1 when the map's neighbourhoods are all true ones. Ties in distance go to the lower index.
    /// Needs k < n/2 for the normalisation to hold.
    public static func trustworthiness(original: [Float], dimensions d: Int, embedded: [Float], embeddedDimensions e: Int,
                                       k: Int) throws -> Double {
        let n = try count(original, d, embedded, e)
        guard k >= 1, 2 * k < n else { throw VisError.invalid("trustworthiness with k = \(k) needs more than \(2 * k) points, got \(n)") }
        var penalty = [Double](repeating: 0, count: n)
        penalty.withUnsafeMutableBufferPointer { out in
            let out = out
            Parallel.forEach(n) { i in
                let high = distances(from: i, original, d, n), low = distances(from: i, embedded, e, n)
                let highNearest = Set(nearest(k, high, excluding: i)), lowNearest = nearest(k, low, excluding: i)
                var sum = 0.0
                for j in lowNearest where !highNearest.contains(j) {
                    var rank = 1
                    for l in 0..<n where l != i && (high[l] < high[j] || (high[l] == high[j] && l < j)) { rank += 1 }
                    sum += Double(rank - k)
                }
                out[i] = sum
            }
        }
        let (nd, kd) = (Double(n), Double(k))
        return 1 - 2 / (nd * kd * (2 * nd - 3 * kd - 1)) * penalty.reduce(0, +)
    }

    /// Leave-one-out k-nearest-neighbour accuracy: each point takes the majority label of
    /// its k nearest others; a tie goes to the tied label whose nearest member is nearer.
    public static func knnAccuracy(_ points: [Float], dimensions d: Int, labels: [Int], k: Int) throws -> Double {
        let n = labels.count
        guard n >= 2, points.count == n * d else { throw VisError.invalid("k-NN accuracy needs at least 2 points with \(d) values each") }
        guard k >= 1, k < n else { throw VisError.invalid("k-NN with k = \(k) needs more than \(k) points, got \(n)") }
        var hits = [Bool](repeating: false, count: n)
        hits.withUnsafeMutableBufferPointer { out in
            let out = out
            Parallel.forEach(n) { i in
                var votes: [Int: Int] = [:], best = -1, bestVotes = 0
                for j in nearest(k, distances(from: i, points, d, n), excluding: i) {
                    votes[labels[j], default: 0] += 1
                    // Neighbours come nearest first, so a label that only ties keeps the earlier winner.
                    if votes[labels[j]]! > bestVotes { (best, bestVotes) = (labels[j], votes[labels[j]]!) }
                }
                out[i] = best == labels[i]
            }
        }
        return Double(hits.filter { $0 }.count) / Double(n)
    }

    static func count(_ a: [Float], _ d: Int, _ b: [Float], _ e: Int) throws -> Int {
        guard d >= 1, e >= 1, a.count % d == 0, b.count % e == 0, a.count / d == b.count / e else {
            throw VisError.invalid("the original (\(a.count) values of \(d)) and the map (\(b.count) values of \(e)) hold different numbers of points")
        }
        return a.count / d
    }

    /// Squared Euclidean distances from point i to every point.
    static func distances(from i: Int, _ x: [Float], _ d: Int, _ n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        x.withUnsafeBufferPointer { p in
            let row = p.baseAddress! + i * d
            for j in 0..<n {
                let other = p.baseAddress! + j * d
                // Eight running sums: a single one would be a serial chain the compiler may
                // not reorder (it changes the rounding), and it is the cost of every kNN.
                var lanes = SIMD8<Float>(), c = 0
                while c + 8 <= d {
                    let t = UnsafeRawPointer(row + c).loadUnaligned(as: SIMD8<Float>.self)
                        - UnsafeRawPointer(other + c).loadUnaligned(as: SIMD8<Float>.self)
                    lanes += t * t
                    c += 8
                }
                var s = lanes.sum()
                while c < d { let t = row[c] - other[c]; s += t * t; c += 1 }
                out[j] = s
            }
        }
        return out
    }

    /// The k nearest points to i by `distance` (ties: lower index), nearest first.
    static func nearest(_ k: Int, _ distance: [Float], excluding i: Int) -> [Int] {
        var heap: [Int] = []   // kept sorted; k is small
        heap.reserveCapacity(k + 1)
        func before(_ a: Int, _ b: Int) -> Bool { distance[a] < distance[b] || (distance[a] == distance[b] && a < b) }
        for j in distance.indices where j != i {
            if heap.count == k, !before(j, heap[k - 1]) { continue }
            var at = heap.count
            while at > 0 && before(j, heap[at - 1]) { at -= 1 }
            heap.insert(j, at: at)
            if heap.count > k { heap.removeLast() }
        }
        return heap
    }
}
