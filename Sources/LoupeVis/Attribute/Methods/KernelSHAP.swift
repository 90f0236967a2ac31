import LoupeTensor

/// KernelSHAP (Lundberg & Lee 2017, "A Unified Approach to Interpreting Model
/// Predictions") over SLIC superpixels: the Shapley values of the game v(S) = the
/// target's score with the superpixels in S shown and the others filled, as the weighted
/// least-squares fit whose weights are the Shapley kernel
/// π(S) = (M − 1) / (C(M, |S|)·|S|·(M − |S|)).
///
/// As the shap package does it: v(∅) is fixed as the intercept and efficiency
/// (Σ φ = v(all) − v(∅)) holds exactly by eliminating the last superpixel,
/// φ_M = v(all) − v(∅) − Σ_{j<M} φ_j, before the fit. The sample budget first enumerates
/// whole coalition sizes, from the most heavily weighted (1 and M − 1) inwards, for as
/// long as the budget covers a size completely, each coalition weighted by π; the rest
/// of the budget draws coalitions of the remaining sizes in proportion to their kernel
/// mass, each with its complement (paired, antithetic sampling), the draws sharing the
/// remaining mass equally. With a budget of 2^M − 2 every coalition is enumerated and
/// the result is the exact Shapley value.
public struct KernelSHAP: AttributionMethod {
    public let about = AttributionMethodInfo("kernelshap", signed: true, "Shapley values of SLIC superpixels by Kernel SHAP, efficiency exact (Lundberg & Lee 2017)",
        units: "the Shapley value of the pixel's superpixel: logit units, summing over superpixels to f(x) − f(all filled)")

    public static let defaultSamples = 1000

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let settings = context.settings
        let superpixels = try Superpixels(image, settings: settings)
        let m = superpixels.count
        try superpixels.checkDesign(samples: settings.samples ?? Self.defaultSamples, method: "KernelSHAP")
        let plan = Self.plan(features: m, budget: settings.samples ?? Self.defaultSamples,
                             stream: RandomStream(seed: settings.seed, key: [0x5BA9, UInt64(target)]))
        // Fewer coalitions than unknowns cannot be solved: say so before any forward pass.
        guard plan.exact || plan.coalitions.count >= m else {
            throw VisError.invalid("KernelSHAP needs more samples than superpixels: \(plan.coalitions.count) for \(m); "
                                   + "take more --samples or fewer --segments")
        }
        // The empty and the full coalition first, then the plan's.
        let coalitions = [[Bool](repeating: false, count: m), [Bool](repeating: true, count: m)] + plan.coalitions
        let scores = try superpixels.scores(image, samples: coalitions.count, target: target, context: context) { coalitions[$0] }
        let (empty, full) = (Double(scores[0]), Double(scores[1]))
        let phi = try Self.solve(plan.coalitions, weights: plan.weights, values: scores.dropFirst(2).map(Double.init),
                                 empty: empty, full: full)

        var map = superpixels.map(phi, method: self, target: target)
        map.figures["score"] = full
        map.figures["baseline_score"] = empty
        map.figures["score_difference"] = full - empty
        map.figures["attribution_sum"] = phi.reduce(0, +)
        map.figures["samples"] = Double(plan.coalitions.count)
        map.figures["enumerated_sizes"] = Double(plan.enumeratedSizes)
        map.figures["exact"] = plan.exact ? 1 : 0
        return map
    }

    /// The coalitions to evaluate and their regression weights.
    struct Plan {
        var coalitions: [[Bool]] = []
        var weights: [Double] = []
        /// Size pairs {k, M − k} enumerated completely, from k = 1.
        var enumeratedSizes = 0
        /// Whether every coalition was enumerated (the Shapley values are then exact).
        var exact = false
    }

    /// The coalitions for M features within `budget` evaluations; pair p of the sampled
    /// part is drawn from `stream.derived(p)` alone.
    static func plan(features m: Int, budget: Int, stream: RandomStream) -> Plan {
        var plan = Plan()
        guard m >= 2 else {
            plan.exact = true
            return plan
        }
        // Size pairs {k, M − k}, k = 1…M/2 (k = M/2 is a single size), and their share of
        // the kernel's mass: C(M, k)·π(k) = (M − 1)/(k(M − k)) for each size.
        let sizes = Array(1...(m / 2))
        var mass = sizes.map { k in Double(m - 1) / Double(k * (m - k)) * (2 * k == m ? 1 : 2) }
        let total = mass.reduce(0, +)
        mass = mass.map { $0 / total }

        var left = budget, massLeft = 1.0
        for (index, k) in sizes.enumerated() {
            let paired = 2 * k != m
            let count = binomial(m, k) * (paired ? 2 : 1)
            guard Double(left) * mass[index] / massLeft >= count - 1e-8 else { break }
            let weight = mass[index] / count
            forEachSubset(of: m, size: k) { subset in
                plan.coalitions.append(subset)
                plan.weights.append(weight)
                if paired {
                    plan.coalitions.append(subset.map { !$0 })
                    plan.weights.append(weight)
                }
            }
            left -= Int(count)
            massLeft -= mass[index]
            plan.enumeratedSizes += 1
        }
        plan.exact = plan.enumeratedSizes == sizes.count
        let pairs = plan.exact ? 0 : left / 2
        guard pairs > 0 else { return plan }

        let remaining = Array(plan.enumeratedSizes..<sizes.count)
        let remainingMass = remaining.reduce(0.0) { $0 + mass[$1] }
        let weight = massLeft / Double(2 * pairs)
        for p in 0..<pairs {
            let draw = stream.derived(UInt64(p))
            // A size pair in proportion to its kernel mass…
            var u = Double(draw.uniform(at: 0)) * remainingMass, pick = remaining[remaining.count - 1]
            for index in remaining {
                if u < mass[index] { pick = index; break }
                u -= mass[index]
            }
            let k = sizes[pick]
            // …then k features uniformly (a partial Fisher–Yates shuffle), and the complement.
            var order = Array(0..<m), subset = [Bool](repeating: false, count: m)
            for t in 0..<k {
                let j = t + Swift.min(Int(Double(draw.uniform(at: UInt64(1 + t))) * Double(m - t)), m - t - 1)
                order.swapAt(t, j)
                subset[order[t]] = true
            }
            plan.coalitions += [subset, subset.map { !$0 }]
            plan.weights += [weight, weight]
        }
        return plan
    }

    /// The Shapley values from the coalitions' values v(S): φ_1…φ_{M−1} minimize
    /// Σ w_S (v(S) − v(∅) − z_M·Δ − Σ_{j<M} (z_j − z_M)·φ_j)² with Δ = v(all) − v(∅),
    /// solved through LAPACK; φ_M = Δ − Σ_{j<M} φ_j.
    static func solve(_ coalitions: [[Bool]], weights: [Double], values: [Double], empty: Double, full: Double) throws -> [Double] {
        let delta = full - empty
        guard let m = coalitions.first?.count, m >= 2 else { return [delta] }
        let (rows, columns) = (coalitions.count, m - 1)
        var design = [Double](repeating: 0, count: rows * columns), targets = [Double](repeating: 0, count: rows)
        for (r, z) in coalitions.enumerated() {
            let last = z[m - 1] ? 1.0 : 0.0
            for j in 0..<columns { design[r * columns + j] = (z[j] ? 1 : 0) - last }
            targets[r] = values[r] - empty - last * delta
        }
        let head: [Double]
        do {
            head = try LAPACK.weightedLeastSquares(design, rows: rows, columns: columns, targets: targets, weights: weights)
        } catch {
            throw VisError.invalid("KernelSHAP's regression is singular with \(rows) coalitions for \(m) superpixels (\(error)): "
                                   + "take more --samples or fewer --segments")
        }
        return head + [delta - head.reduce(0, +)]
    }

    /// C(n, k) as a Double, rounded to the integer it is while below 2^53 (the products
    /// of fractions drift by an ulp); beyond that it is only compared against the budget.
    static func binomial(_ n: Int, _ k: Int) -> Double {
        (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) }.rounded()
    }

    /// Calls `body` with every subset of 0..<n of `size` elements, in lexicographic order.
    static func forEachSubset(of n: Int, size k: Int, _ body: ([Bool]) -> Void) {
        var chosen = Array(0..<k)
        while true {
            var subset = [Bool](repeating: false, count: n)
            for i in chosen { subset[i] = true }
            body(subset)
            // The rightmost index that can still move right, then everything after it packed behind.
            guard let i = (0..<k).last(where: { chosen[$0] < n - k + $0 }) else { return }
            chosen[i] += 1
            for j in (i + 1)..<k { chosen[j] = chosen[j - 1] + 1 }
        }
    }
}
