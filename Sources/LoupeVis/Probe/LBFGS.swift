/// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, algorithm 7.4–7.5):
/// the two-loop recursion over the last `memory` steps, with a backtracking line search
/// that keeps the Armijo condition. Used for smooth convex fits (logistic regression),
/// where it reaches a tight gradient tolerance in tens of iterations.
struct LBFGS {
    struct Outcome {
        var x: [Double]
        var value: Double
        var iterations: Int
        /// ‖∇f‖∞ at `x`.
        var gradientNorm: Double
        /// Whether ‖∇f‖∞ fell to the tolerance (false: the iteration or line-search budget ran out).
        var converged: Bool
    }

    var memory = 10
    var maxIterations = 500
    /// Stop when ‖∇f‖∞ ≤ tolerance.
    var tolerance = 1e-6

    /// Minimises `f`, which returns the value and the gradient at a point.
    func minimize(from start: [Double], _ f: ([Double]) throws -> (value: Double, gradient: [Double])) throws -> Outcome {
        var x = start
        var (value, g) = try f(x)
        var steps: [(s: [Double], y: [Double], rho: Double)] = []
        var iteration = 0
        while iteration < maxIterations {
            let norm = g.reduce(0) { Swift.max($0, Swift.abs($1)) }
            if norm <= tolerance { return Outcome(x: x, value: value, iterations: iteration, gradientNorm: norm, converged: true) }
            iteration += 1
            // Two-loop recursion: d = −H·g with H the inverse-Hessian estimate.
            var q = g
            var alphas = [Double](repeating: 0, count: steps.count)
            for i in steps.indices.reversed() {
                alphas[i] = steps[i].rho * dot(steps[i].s, q)
                axpy(-alphas[i], steps[i].y, &q)
            }
            if let last = steps.last {
                let gamma = dot(last.s, last.y) / dot(last.y, last.y)
                for i in q.indices { q[i] *= gamma }
            } else {
                // First step: a unit step along the normalised gradient.
                let scale = 1 / Swift.max(dot(g, g).squareRoot(), 1e-300)
                for i in q.indices { q[i] *= scale }
            }
            for i in steps.indices {
                let beta = steps[i].rho * dot(steps[i].y, q)
                axpy(alphas[i] - beta, steps[i].s, &q)
            }
            var direction = q.map { -$0 }
            var slope = dot(direction, g)
            if !(slope < 0) {
                // Not a descent direction (lost curvature): restart from steepest descent.
                steps.removeAll()
                direction = g.map { -$0 }
                slope = -dot(g, g)
            }
            var t = 1.0, accepted = false
            var next = x, nextValue = value, nextGradient = g
            for _ in 0..<60 {
                for i in x.indices { next[i] = x[i] + t * direction[i] }
                (nextValue, nextGradient) = try f(next)
                if nextValue.isFinite, nextValue <= value + 1e-4 * t * slope { accepted = true; break }
                t *= 0.5
            }
            guard accepted else {
                return Outcome(x: x, value: value, iterations: iteration, gradientNorm: norm, converged: false)
            }
            let s = zip(next, x).map { $0 - $1 }, y = zip(nextGradient, g).map { $0 - $1 }
            let sy = dot(s, y)
            if sy > 1e-12 * dot(y, y).squareRoot() * dot(s, s).squareRoot() {
                steps.append((s, y, 1 / sy))
                if steps.count > memory { steps.removeFirst() }
            }
            (x, value, g) = (next, nextValue, nextGradient)
        }
        let norm = g.reduce(0) { Swift.max($0, Swift.abs($1)) }
        return Outcome(x: x, value: value, iterations: iteration, gradientNorm: norm, converged: norm <= tolerance)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }

    private func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in y.indices { y[i] += alpha * x[i] }
    }
}
