import LoupeTensor

/// ROAD's imputation (Rong et al. 2022, §4): each removed pixel becomes the weighted mean
/// of its eight neighbours (1/6 side, 1/12 corner, renormalized over those inside the
/// image), removed neighbours included, so the removed pixels solve one sparse linear
/// system per channel; then Gaussian noise is added to them. Unlike a constant fill, the
/// result carries no trace of the removal mask's shape for the model to read.
///
/// The system D·u − W_uu·u = W_uk·k is symmetric and, since every region of removed
/// pixels touches a kept one, positive definite: conjugate gradients with a Jacobi
/// preconditioner solve it in double, in a fixed order (the result does not depend on
/// threads or batches).
enum NoisyLinearImputation {
    static let neighbours: [(dy: Int, dx: Int, weight: Double)] = [
        (-1, -1, 1.0 / 12), (-1, 0, 1.0 / 6), (-1, 1, 1.0 / 12), (0, -1, 1.0 / 6),
        (0, 1, 1.0 / 6), (1, -1, 1.0 / 12), (1, 0, 1.0 / 6), (1, 1, 1.0 / 12),
    ]

    /// `pixels` ([C, H, W] values) with the pixels where `removed` is true imputed;
    /// noise draw i of `stream` goes to channel-major element i.
    static func impute(_ pixels: [Float], channels: Int, height: Int, width: Int, removed: [Bool],
                       noise: Float, stream: RandomStream) -> [Float] {
        let plane = height * width
        let unknown = (0..<plane).filter { removed[$0] }
        guard !unknown.isEmpty, unknown.count < plane else { return pixels }
        var slot = [Int](repeating: -1, count: plane)
        for (u, p) in unknown.enumerated() { slot[p] = u }
        // Per unknown: its diagonal, and its in-image neighbours as (slot or −1 − pixel, weight).
        var diagonal = [Double](repeating: 0, count: unknown.count)
        var links: [[(Int, Double)]] = Array(repeating: [], count: unknown.count)
        for (u, p) in unknown.enumerated() {
            let (y, x) = (p / width, p % width)
            for n in neighbours {
                let (ny, nx) = (y + n.dy, x + n.dx)
                guard ny >= 0, ny < height, nx >= 0, nx < width else { continue }
                let q = ny * width + nx
                diagonal[u] += n.weight
                links[u].append((slot[q] >= 0 ? slot[q] : -1 - q, n.weight))
            }
        }
        var out = pixels
        for ch in 0..<channels {
            let base = ch * plane
            var b = [Double](repeating: 0, count: unknown.count)
            for u in unknown.indices {
                for (j, w) in links[u] where j < 0 { b[u] += w * Double(pixels[base - 1 - j]) }
            }
            let solution = conjugateGradients(diagonal: diagonal, links: links, b: b)
            for (u, p) in unknown.enumerated() {
                out[base + p] = Float(solution[u]) + noise * stream.normal(at: UInt64(base + p))
            }
        }
        return out
    }

    /// Solves (D − W_uu)·u = b to a relative residual of 1e-6 (pixel values to about 1e-6).
    static func conjugateGradients(diagonal: [Double], links: [[(Int, Double)]], b: [Double]) -> [Double] {
        let n = b.count
        func apply(_ v: [Double]) -> [Double] {
            (0..<n).map { u in links[u].reduce(diagonal[u] * v[u]) { $1.0 >= 0 ? $0 - $1.1 * v[$1.0] : $0 } }
        }
        func dot(_ a: [Double], _ c: [Double]) -> Double { zip(a, c).reduce(0) { $0 + $1.0 * $1.1 } }
        // Start from each pixel's known neighbours alone: close wherever the hole is thin.
        var x = (0..<n).map { b[$0] / diagonal[$0] }
        let ax = apply(x)
        var r = (0..<n).map { b[$0] - ax[$0] }
        var z = (0..<n).map { r[$0] / diagonal[$0] }
        var p = z
        var rz = dot(r, z)
        let tolerance = 1e-12 * Swift.max(dot(b, b), 1e-300)
        var iteration = 0
        while iteration < 4 * n + 100, dot(r, r) > tolerance {
            iteration += 1
            let ap = apply(p)
            let alpha = rz / dot(p, ap)
            for i in 0..<n { x[i] += alpha * p[i]; r[i] -= alpha * ap[i] }
            z = (0..<n).map { r[$0] / diagonal[$0] }
            let next = dot(r, z)
            let beta = next / rz
            rz = next
            for i in 0..<n { p[i] = z[i] + beta * p[i] }
        }
        return x
    }
}
