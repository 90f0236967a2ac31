import LoupeTensor

/// How Integrated Gradients turns its path integral ∫₀¹ ∇F(x′ + α(x − x′)) dα into a sum.
public enum Integration: String, Codable, CaseIterable, Sendable {
    /// The paper's grid: `steps` equal intervals, trapezoidal rule, steps + 1 gradients.
    case uniform
    /// The trapezoidal rule on a grid refined where the logit changes faster than the
    /// trapezoid predicts (see `IntegratedGradients`); steps + 1 gradients.
    case adaptive
    /// Gauss–Legendre quadrature with `steps` nodes: exact when the gradient along the
    /// path is a polynomial of degree ≤ 2·steps − 1; steps gradients plus two forward
    /// passes for F(x) and F(x′), which no node reaches.
    case gausslegendre
}

/// Gauss–Legendre quadrature on [0, 1] (Golub & Welsch 1969): the nodes are the
/// eigenvalues of the Jacobi matrix of the Legendre polynomials (tridiagonal, zero
/// diagonal, off-diagonal k/√(4k² − 1)), from LAPACK; each is polished by one Newton step
/// on Pₙ and weighted 2 / ((1 − x²)·Pₙ′(x)²), then mapped from [−1, 1] to [0, 1].
public enum GaussLegendre {
    public static func rule(_ n: Int) throws -> (nodes: [Double], weights: [Double]) {
        guard n >= 1 else { throw VisError.invalid("Gauss–Legendre needs at least 1 node") }
        let off = (1..<n).map { k -> Double in let k = Double(k); return k / (4 * k * k - 1).squareRoot() }
        let roots = try LAPACK.tridiagonalEigenvalues(diagonal: [Double](repeating: 0, count: n), offDiagonal: off)
        var nodes: [Double] = [], weights: [Double] = []
        for root in roots {
            var x = root
            var (p, dp) = legendre(n, at: x)
            x -= p / dp
            (p, dp) = legendre(n, at: x)
            nodes.append((x + 1) / 2)
            weights.append(1 / ((1 - x * x) * dp * dp))   // 2 / (…) on [−1, 1], halved on [0, 1]
        }
        return (nodes, weights)
    }

    /// Pₙ(x) and Pₙ′(x) by the three-term recurrence (k + 1)·P_{k+1} = (2k + 1)·x·P_k − k·P_{k−1}.
    static func legendre(_ n: Int, at x: Double) -> (value: Double, derivative: Double) {
        var (previous, current) = (1.0, x)
        if n == 0 { return (1, 0) }
        for k in 1..<n {
            let k = Double(k)
            (previous, current) = (current, ((2 * k + 1) * x * current - k * previous) / (k + 1))
        }
        return (current, Double(n) * (x * current - previous) / (x * x - 1))
    }
}
