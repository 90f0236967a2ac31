import LoupeTensor

/// Integrated Gradients along the straight path from the baseline x′ to x:
/// (x − x′) · ∫₀¹ ∂F(x′ + α(x − x′))/∂x dα, the integral by `settings.integration`:
/// the trapezoidal rule over `steps` intervals on a uniform or an adaptive grid, or
/// Gauss–Legendre with `steps` nodes. Completeness says Σ IG = F(x) − F(x′) for the exact
/// integral; the relative gap of the computed sum is reported as `completeness_error` and
/// measures how well the integral was resolved. No rule bounds it on a real network in
/// advance: a ReLU network's path is piecewise smooth with kinks wherever a unit switches.
///
/// The adaptive grid starts uniform with a quarter of the intervals and then subdivides,
/// a batch of points at a time, the intervals whose trapezoid misses the score's actual
/// change F(α_{k+1}) − F(α_k) the most: the scores come with every gradient, so the error
/// estimate costs nothing. Real paths are far from uniform: from a black baseline most of
/// a photo's logit appears within a few percent of the path, where a uniform grid of 64
/// steps misses ~10% of it.
public struct IntegratedGradients: AttributionMethod {
    public let about = AttributionMethodInfo("ig", signed: true, "Integrated Gradients, its completeness error reported (Sundararajan et al. 2017)",
        units: "Σ over color channels of (x − x′) · ∫ ∂logit/∂x along the path: logit units, summing to F(x) − F(x′) up to completeness_error (pixels in [0, 1])")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let settings = context.settings
        let m = settings.steps
        guard m >= 1 else { throw VisError.invalid("Integrated Gradients needs at least 1 step") }
        let baseline = try settings.baseline.image(like: image)
        let delta = try image - baseline
        let deltaValues = delta.scalars

        // Gradients, scores and path derivatives f = ∇F·(x − x′) at each evaluated α.
        var grads: [Double: Tensor] = [:], scores: [Double: Float] = [:], slope: [Double: Double] = [:]
        func evaluate(_ alphas: [Double]) throws {
            var start = 0
            while start < alphas.count {
                let chunk = Array(alphas[start..<Swift.min(start + settings.batchSize, alphas.count)])
                let points = try Tensor.concat(chunk.map { try baseline + delta * Float($0) }, axis: 0)
                let (g, s) = try context.gradients(points, target: target)
                for (i, a) in chunk.enumerated() {
                    let gi = try g.narrowed(axis: 0, start: i, length: 1)
                    grads[a] = gi
                    scores[a] = s[i]
                    slope[a] = gi.withScalars { p in
                        var d = 0.0
                        for j in 0..<deltaValues.count { d += Double(p[j]) * Double(deltaValues[j]) }
                        return d
                    }
                }
                start += chunk.count
            }
        }

        // Points of the path and the weight of each point's gradient in the sum.
        var grid: [Double], weights: [Double]
        if settings.integration == .gausslegendre {
            (grid, weights) = try GaussLegendre.rule(m)
            try evaluate(grid)
            // No node reaches the ends, so F(x′) and F(x) take one forward pass of their own.
            let ends = try context.scores(try Tensor.concat([baseline, image], axis: 0), target: target)
            (scores[0], scores[1]) = (ends[0], ends[1])
        } else {
            grid = try trapezoidGrid(m, adaptive: settings.integration == .adaptive, evaluate: evaluate,
                                     scores: { scores[$0] ?? 0 }, slope: { slope[$0] ?? 0 })
            // Each point gets half of each neighbouring interval.
            weights = grid.indices.map { k in
                ((k > 0 ? grid[k] - grid[k - 1] : 0) + (k < grid.count - 1 ? grid[k + 1] - grid[k] : 0)) / 2
            }
        }

        var total = Tensor.zeros(like: image)
        try Autograd.noGrad {
            for (a, weight) in zip(grid, weights) {
                guard let g = grads[a] else { continue }
                total = try total + g * Float(weight)
            }
        }
        let ig = try Autograd.noGrad { try total * delta }
        let sum = ig.scalars.reduce(0.0) { $0 + Double($1) }
        let (f0, f1) = (scores[0] ?? 0, scores[1] ?? 0)
        let gap = Double(f1) - Double(f0)
        var result = try context.map(self, ig, .sum, target: target, score: f1)
        result.figures["baseline_score"] = Double(f0)
        result.figures["attribution_sum"] = sum
        result.figures["score_difference"] = gap
        result.figures["completeness_error"] = Swift.abs(sum - gap) / Swift.max(Swift.abs(gap), 1e-12)
        result.figures["steps"] = Double(m)
        result.figures["gradient_evaluations"] = Double(grid.count)
        if settings.integration != .gausslegendre {
            result.figures["smallest_step"] = zip(grid.dropFirst(), grid).map { $0 - $1 }.min() ?? 1
        }
        return result
    }

    /// The trapezoidal rule's grid of `m` intervals on [0, 1], its points evaluated: uniform,
    /// or refined where the trapezoid misses the score's change the most.
    func trapezoidGrid(_ m: Int, adaptive: Bool, evaluate: ([Double]) throws -> Void,
                       scores: (Double) -> Float, slope: (Double) -> Double) throws -> [Double] {
        let initial = adaptive ? Swift.max(1, Swift.min(m, (m + 3) / 4)) : m
        var grid = (0...initial).map { Double($0) / Double(initial) }
        try evaluate(grid)
        while grid.count - 1 < m {
            // Trapezoid error of each interval against the exact change of the score.
            let errors = (0..<(grid.count - 1)).map { k -> Double in
                let (a, b) = (grid[k], grid[k + 1])
                let trapezoid = (b - a) / 2 * (slope(a) + slope(b))
                return Swift.abs(trapezoid - Double(scores(b) - scores(a)))
            }
            // Share this round's points out greedily: an interval cut into n pieces has
            // its error bound divided by about n, so the next point goes where e/n is largest.
            // Rounds of a fixed size (not the batch size) keep the grid, and so the result,
            // independent of how the points are batched.
            let budget = Swift.min(Self.pointsPerRound, m - (grid.count - 1))
            var pieces = [Int](repeating: 1, count: errors.count)
            for _ in 0..<budget {
                var best = 0
                for k in errors.indices where errors[k] / Double(pieces[k]) > errors[best] / Double(pieces[best]) { best = k }
                pieces[best] += 1
            }
            let added = errors.indices.flatMap { k in
                (1..<pieces[k]).map { j in grid[k] + (grid[k + 1] - grid[k]) * Double(j) / Double(pieces[k]) }
            }
            try evaluate(added)
            grid = (grid + added).sorted()
        }
        return grid
    }

    /// New IG points per refinement round.
    static let pointsPerRound = 8
}
