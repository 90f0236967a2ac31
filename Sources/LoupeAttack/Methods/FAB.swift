import Foundation
import LoupeNN
import LoupeTensor

extension AttackConfig.Method {
    /// Croce & Hein 2020's fast adaptive boundary attack, targeted (AutoAttack's FAB-T): it
    /// looks for the smallest perturbation that crosses the boundary between the true class
    /// and a target, and keeps the smallest one found; it succeeds when that one fits in ε.
    /// Untargeted, it aims at the `targetClasses` likeliest wrong classes in turn, and any
    /// misclassification counts.
    public static let fabT = Self(
        name: "fab-t", title: "FAB-T", summary: "fast adaptive boundary: smallest perturbation toward the likeliest wrong classes (L∞ or L2)",
        norms: [.linf, .l2], defaultSteps: 100, randomStart: false, stepSize: { $0.eps },
        refusesAlpha: "fab-t takes its own steps (projections onto the linearized boundary): drop alpha",
        plotsSteps: false, aimsAtLikelyClasses: true,
        engine: .loop { driver, batch, record in try FAB(driver: driver).run(batch, recordTrajectory: record) })
}

/// FAB's loop (Croce & Hein 2020, Algorithm 1, with AutoAttack's constants). At x the
/// boundary z_t = z_y is linearized; δ₁ projects x onto it and δ₂ projects the clean x₀
/// (both within [0, 1]); the next point is the mix ((x + η·δ₁)(1 − α) + (x₀ + η·δ₂)·α) with
/// α = min(‖δ₁‖ / (‖δ₁‖ + ‖δ₂‖), α_max), which biases the search toward x₀. Once a point is
/// adversarial it is remembered if smallest so far, and the search backs off toward x₀
/// by β to look for a smaller one.
struct FAB {
    static let alphaMax: Float = 0.1
    /// η: overshoot past the linearized boundary.
    static let overshoot: Float = 1.05
    /// β: the backward step after a success.
    static let backStep: Float = 0.9

    let driver: AttackDriver
    var config: AttackConfig { driver.config }

    func run(_ batch: AttackBatch, recordTrajectory: Bool) throws -> AttackIterates {
        let n = batch.count, x0 = batch.images.detached.scalars
        let d = x0.count / max(n, 1)
        let shape = Array(batch.images.shape.dropFirst())
        var adversarial = x0
        var smallest = [Float](repeating: .infinity, count: n)
        var firstHit = [Int?](repeating: nil, count: n)
        var queries = [Int](repeating: 1, count: n)
        var trajectories = [[AttackStep]](repeating: [], count: n)
        // Samples already misclassified (or on target) need nothing.
        let clean = try driver.model.logits(batch.images).argmax()
        for i in 0..<n where batch.hits(i, clean[i]) { (smallest[i], firstHit[i]) = (0, 0) }
        // A zero budget admits no perturbation: the search could only waste its queries.
        guard config.eps > 0 else {
            return AttackIterates(x: x0, step: firstHit, trajectories: trajectories, queries: queries)
        }
        let iterations = config.steps

        for (round, plan) in try driver.restarts(batch).enumerated() {
            guard let aims = plan.lossTargets ?? batch.targets else {
                throw AttackError.invalid("fab-t needs target classes")
            }
            let active = (0..<n).filter { i in
                !batch.hits(i, clean[i]) && !(config.earlyStop && smallest[i] <= config.eps) && aims[i] != batch.labels[i]
            }
            if active.isEmpty { continue }
            let labels = active.map { batch.labels[$0] }, targets = active.map { aims[$0] }
            var x = start(active, x0: x0, d: d, repeatOfTarget: plan.restart % config.restarts, batch: batch)
            var point = try linearize(x, shape: shape, labels: labels, targets: targets)
            for a in active.indices { queries[active[a]] += 1 }

            for iteration in 1...max(iterations, 1) {
                for a in active.indices { step(&x, row: a, at: point, origin: x0, sample: active[a], d: d) }
                point = try linearize(x, shape: shape, labels: labels, targets: targets)
                var backedOff: [Int] = []
                for (a, i) in active.enumerated() {
                    queries[i] += 1
                    let global = round * iterations + iteration
                    if recordTrajectory {
                        trajectories[i].append(point.record(a, step: global, label: labels[a], target: batch.targets?[i]))
                    }
                    guard batch.hits(i, point.predictions[a]) else { continue }
                    let size = distance(x, row: a, origin: x0, sample: i, d: d)
                    if size < smallest[i] {
                        smallest[i] = size
                        for j in 0..<d { adversarial[i * d + j] = x[a * d + j] }
                        if size <= config.eps && firstHit[i] == nil { firstHit[i] = global }
                    }
                    for j in 0..<d { x[a * d + j] = x0[i * d + j] + (x[a * d + j] - x0[i * d + j]) * Self.backStep }
                    backedOff.append(a)
                }
                if iteration == iterations || backedOff.isEmpty { continue }
                // The points that backed off need their own linearization for the next step.
                var sub = [Float](repeating: 0, count: backedOff.count * d)
                for (r, a) in backedOff.enumerated() { for j in 0..<d { sub[r * d + j] = x[a * d + j] } }
                let fresh = try linearize(sub, shape: shape, labels: backedOff.map { labels[$0] }, targets: backedOff.map { targets[$0] })
                for (r, a) in backedOff.enumerated() {
                    point.replace(row: a, with: fresh, row: r)
                    queries[active[a]] += 1
                }
            }
        }
        // Only a perturbation inside the budget is an attack; otherwise the clean image.
        var x = x0
        for i in 0..<n where smallest[i] <= config.eps {
            for j in i * d..<(i + 1) * d { x[j] = adversarial[j] }
        }
        return AttackIterates(x: x, step: firstHit, trajectories: trajectories, queries: queries)
    }

    /// The first point of a restart: x₀, or for a repeat on the same target a random point
    /// at half the budget (the reference code's restart), clipped to [0, 1].
    private func start(_ active: [Int], x0: [Float], d: Int, repeatOfTarget: Int, batch: AttackBatch) -> [Float] {
        var x = [Float](repeating: 0, count: active.count * d)
        for (a, i) in active.enumerated() {
            for j in 0..<d { x[a * d + j] = x0[i * d + j] }
            guard repeatOfTarget > 0 && config.eps > 0 else { continue }
            let stream = RandomStream(seed: config.seed, key: [UInt64(batch.ids[i]), UInt64(repeatOfTarget), Self.startTag])
            var t = (0..<d).map { config.norm == .linf ? 2 * stream.uniform(at: UInt64($0)) - 1 : stream.normal(at: UInt64($0)) }
            let size = config.norm == .linf ? t.map { Swift.abs($0) }.max() ?? 1 : l2Norm(t[...])
            for j in 0..<d { t[j] *= 0.5 * config.eps / max(size, 1e-12) }
            for j in 0..<d { x[a * d + j] = min(max(x0[i * d + j] + t[j], 0), 1) }
        }
        return x
    }

    private static let startTag: UInt64 = 0x4641_4200_0000_0001

    /// One FAB step for active row a.
    private func step(_ x: inout [Float], row a: Int, at point: Linearization, origin x0: [Float], sample i: Int, d: Int) {
        let xs = x[a * d..<(a + 1) * d], w = point.gradient[a * d..<(a + 1) * d], o = x0[i * d..<(i + 1) * d]
        // The boundary f = z_t − z_y = 0, linearized at x: f(x) + ⟨w, z − x⟩ = 0.
        let f = point.difference[a]
        var shift: Double = 0
        for j in 0..<d { shift += Double(w[w.startIndex + j]) * Double(xs[xs.startIndex + j] - o[o.startIndex + j]) }
        let d1 = BoxedHyperplaneProjection.delta(from: xs, normal: w, offset: -f, norm: config.norm)
        let d2 = BoxedHyperplaneProjection.delta(from: o, normal: w, offset: -f + Float(shift), norm: config.norm)
        let a1 = max(size(d1[...]), 1e-8), a2 = max(size(d2[...]), 1e-8)
        let alpha = min(max(a1 / (a1 + a2), 0), Self.alphaMax)
        for j in 0..<d {
            let toward = (xs[xs.startIndex + j] + Self.overshoot * d1[j]) * (1 - alpha)
            let fromOrigin = (o[o.startIndex + j] + Self.overshoot * d2[j]) * alpha
            x[a * d + j] = min(max(toward + fromOrigin, 0), 1)
        }
    }

    private func size(_ v: ArraySlice<Float>) -> Float {
        config.norm == .linf ? v.map { Swift.abs($0) }.max() ?? 0 : l2Norm(v)
    }

    private func distance(_ x: [Float], row a: Int, origin x0: [Float], sample i: Int, d: Int) -> Float {
        size((0..<d).map { x[a * d + $0] - x0[i * d + $0] }[...])
    }

    /// Logits, z_t − z_y and its input gradient at each row of x.
    struct Linearization {
        var logits: [Float]
        var classes: Int
        var predictions: [Int]
        var difference: [Float]
        var gradient: [Float]

        mutating func replace(row a: Int, with other: Linearization, row r: Int) {
            let (k, d) = (classes, gradient.count / max(difference.count, 1))
            for j in 0..<k { logits[a * k + j] = other.logits[r * k + j] }
            for j in 0..<d { gradient[a * d + j] = other.gradient[r * d + j] }
            (predictions[a], difference[a]) = (other.predictions[r], other.difference[r])
        }

        func record(_ a: Int, step: Int, label: Int, target: Int?) -> AttackStep {
            let row = logits[a * classes..<(a + 1) * classes]
            let top = row.max() ?? 0
            let e = row.map { Foundation.exp(Double($0 - top)) }
            let total = e.reduce(0, +)
            return AttackStep(step: step, loss: difference[a], trueProbability: Float(e[label] / total),
                              targetProbability: target.map { Float(e[$0] / total) }, predicted: predictions[a])
        }
    }

    private func linearize(_ x: [Float], shape: [Int], labels: [Int], targets: [Int]) throws -> Linearization {
        let input = try Tensor(shape: [labels.count] + shape, scalars: x)
        var logits: Tensor?
        let model = driver.model
        let result = try model.inputGradient(input) { pass in
            guard let out = pass.output else { throw AttackError.invalid("\(model.name) produced no logits") }
            logits = out.detached
            let k = out.shape[1]
            var weights = [Float](repeating: 0, count: labels.count * k)
            for (a, (y, t)) in zip(labels, targets).enumerated() {
                weights[a * k + t] += 1
                weights[a * k + y] -= 1
            }
            return try (out * Tensor(shape: [labels.count, k], scalars: weights)).sum()
        }
        guard let logits else { throw AttackError.invalid("\(model.name) produced no logits") }
        let k = logits.shape[1], z = logits.scalars
        return Linearization(logits: z, classes: k, predictions: try logits.argmax(),
                             difference: labels.indices.map { z[$0 * k + targets[$0]] - z[$0 * k + labels[$0]] },
                             gradient: result.gradient.scalars)
    }
}

private func l2Norm(_ v: ArraySlice<Float>) -> Float {
    var sq: Double = 0
    for x in v { sq += Double(x) * Double(x) }
    return Float(sq.squareRoot())
}
