import LoupeNN
import LoupeTensor

/// A validated batch to attack: images [N, C, H, W] in [0, 1], N labels, optional N
/// targets and the N ids that key the random starts.
struct AttackBatch {
    let images: Tensor
    let labels: [Int]
    let targets: [Int]?
    let ids: [Int]
    /// The classes a targeted loss aims at when they are not the success criterion: an
    /// untargeted APGD-T or FAB-T restart climbs toward one likely wrong class, and any
    /// misclassification counts.
    var lossTargets: [Int]?
    var count: Int { labels.count }

    init(images: Tensor, labels: [Int], targets: [Int]?, ids: [Int], lossTargets: [Int]? = nil) {
        (self.images, self.labels, self.targets, self.ids, self.lossTargets) = (images, labels, targets, ids, lossTargets)
    }

    /// Success: misclassified (untargeted) or on its target (targeted).
    func hits(_ i: Int, _ prediction: Int) -> Bool { targets.map { prediction == $0[i] } ?? (prediction != labels[i]) }

    /// The classes the loss is about: the loss targets, else the targets (nil: untargeted).
    var aims: [Int]? { lossTargets ?? targets }

    /// Samples `rows` of the batch, in that order.
    func subset(_ rows: [Int]) throws -> AttackBatch {
        let n = count, d = images.count / Swift.max(n, 1)
        let x = images.scalars
        var out = [Float](repeating: 0, count: rows.count * d)
        for (r, i) in rows.enumerated() { for j in 0..<d { out[r * d + j] = x[i * d + j] } }
        return AttackBatch(images: try Tensor(shape: [rows.count] + images.shape.dropFirst(), scalars: out),
                           labels: rows.map { labels[$0] }, targets: targets.map { t in rows.map { t[$0] } },
                           ids: rows.map { ids[$0] }, lossTargets: lossTargets.map { t in rows.map { t[$0] } })
    }
}

/// What an attack hands back before the model re-judges it: per sample the returned
/// iterate, the step it first succeeded at, the trajectory when recorded, the model
/// queries spent on it and, for a cascade, which member produced the iterate.
struct AttackIterates {
    var x: [Float]
    var step: [Int?]
    var trajectories: [[AttackStep]]
    var queries: [Int]
    var producedBy: [String?]?

    init(x: [Float], step: [Int?], trajectories: [[AttackStep]], queries: [Int]? = nil, producedBy: [String?]? = nil) {
        (self.x, self.step, self.trajectories) = (x, step, trajectories)
        self.queries = queries ?? [Int](repeating: 0, count: step.count)
        self.producedBy = producedBy
    }
}

/// One restart of a step rule: its number (which keys the random start and the rule's own
/// randomness) and, for a method that aims at likely classes, the class each sample's loss
/// aims at.
struct RestartPlan {
    let restart: Int
    let lossTargets: [Int]?
}

/// The one loop every attack runs through. For a step rule it owns the random start
/// keyed by (seed, sample id, restart), restarts, early stop, gathering only the samples
/// still attacked, the kept iterate, the best over restarts and trajectories; for every
/// method it validates the inputs and has the model re-judge what is returned.
/// `lastIterate` is the lean variant adversarial training uses.
struct AttackDriver {
    let model: Model
    let config: AttackConfig

    /// Checks shapes and classes before any work.
    func batch(_ images: Tensor, labels: [Int], targets: [Int]?, sampleIDs: [Int]?) throws -> AttackBatch {
        let n = images.shape.first ?? 0
        guard images.rank == 4, labels.count == n, targets.map({ $0.count == n }) ?? true,
              sampleIDs.map({ $0.count == n }) ?? true else {
            throw AttackError.invalid("attack needs images [N, C, H, W] with N labels (and N targets, N ids); got \(images.shape), \(labels.count) labels")
        }
        let classes = model.preset.labels.count
        if let bad = (labels + (targets ?? [])).first(where: { $0 < 0 || (classes > 0 && $0 >= classes) }) {
            throw AttackError.invalid("class \(bad) is outside the model's \(classes) classes")
        }
        return AttackBatch(images: images, labels: labels, targets: targets, ids: sampleIDs ?? Array(0..<n))
    }

    func run(_ batch: AttackBatch, recordTrajectory: Bool) throws -> AttackOutcome {
        if batch.count == 0 {
            return AttackOutcome(adversarial: batch.images.detached, success: [], predictions: [], successStep: [], trajectories: [],
                                 queries: [], brokenBy: [])
        }
        let iterates: AttackIterates
        switch config.method.engine {
        case let .steps(rule): iterates = try iterate(rule(config), batch, recordTrajectory: recordTrajectory)
        case let .loop(loop): iterates = try loop(self, batch, recordTrajectory)
        }
        return try outcome(iterates, batch)
    }

    /// Restarts × steps of `rule`, each sample keeping its iterate by the rule's `keeps`
    /// and the best over restarts. With early stop a sample that succeeded is not
    /// attacked again by later restarts.
    private func iterate<Rule: AttackStepRule>(_ rule: Rule, _ batch: AttackBatch, recordTrajectory: Bool) throws -> AttackIterates {
        let n = batch.count
        let x0 = batch.images.detached.scalars
        let d = x0.count / Swift.max(n, 1)
        let sampleShape = Array(batch.images.shape.dropFirst())
        var best = BestOverRestarts(x0, samples: n)
        var trajectories = [[AttackStep]](repeating: [], count: n)
        var queries = [Int](repeating: 0, count: n)
        let steps = config.iterations

        for plan in try restarts(batch) {
            var batch = batch
            batch.lossTargets = plan.lossTargets
            let context = self.context(x0, shape: batch.images.shape) {
                RandomStream(seed: config.seed, key: [UInt64(batch.ids[$0]), UInt64(plan.restart)])
            }
            var x = randomStart(rule, context)
            var state = rule.begin(at: x, context: context)
            var frozen = (0..<n).map { config.earlyStop && best.succeeded($0) }
            var firstHit = [Int?](repeating: nil, count: n)
            var keptX = x
            var keptLoss = [Float](repeating: -.infinity, count: n)
            var keptSuccess = [Bool](repeating: false, count: n)
            let recording = recordTrajectory && plan.restart == 0

            for step in 0...steps {
                // Only samples still being attacked go through the model: with early stop the
                // batch shrinks as samples break, which is most of the saving in a sweep.
                let active = (0..<n).filter { !frozen[$0] }
                if active.isEmpty { break }
                // The last round only evaluates the final iterate.
                let evaluateOnly = step == steps
                let round = try evaluate(x, samples: active, sampleShape: sampleShape, batch: batch,
                                         withGradient: rule.usesGradient && !evaluateOnly, probabilities: recording)
                for (a, i) in active.enumerated() {
                    queries[i] += 1
                    let loss = round.losses[a], hit = batch.hits(i, round.predictions[a])
                    rule.observe(&state, sample: i, step: step, loss: loss, x: x, gradient: round.gradient, row: a, context: context)
                    if rule.keeps.replaces(hit: hit, loss: loss, keptSuccess: keptSuccess[i], keptLoss: keptLoss[i]) {
                        for j in 0..<d { keptX[i * d + j] = x[i * d + j] }
                        (keptLoss[i], keptSuccess[i]) = (loss, hit)
                    }
                    if hit {
                        if firstHit[i] == nil { firstHit[i] = step }
                        if config.earlyStop { frozen[i] = true }
                    }
                    if recording, let record = round.record(a, step: step, label: batch.labels[i], target: batch.targets?[i]) {
                        trajectories[i].append(record)
                    }
                }
                if evaluateOnly { break }
                // A score-based rule gets no gradient rows: it proposes from what it observed.
                var gradient = round.gradient ?? []
                for (a, i) in active.enumerated() where !frozen[i] {
                    rule.step(&state, &x, sample: i, step: step, gradient: &gradient, row: a, context: context)
                }
            }
            for i in 0..<n where keptLoss[i] > -.infinity {
                best.offer(i, from: keptX, success: keptSuccess[i], loss: keptLoss[i], step: firstHit[i])
            }
        }
        return AttackIterates(x: best.x, step: best.step, trajectories: trajectories, queries: queries)
    }

    /// The restarts to run: `restarts` of them, or for a method that aims at likely classes
    /// (and no explicit target) `restarts` per class, aimed in turn at each sample's
    /// likeliest wrong classes on the clean image.
    func restarts(_ batch: AttackBatch) throws -> [RestartPlan] {
        guard config.method.aimsAtLikelyClasses && batch.targets == nil else {
            return (0..<config.restarts).map { RestartPlan(restart: $0, lossTargets: nil) }
        }
        let ranked = try likelyWrongClasses(batch)
        let classes = ranked.first?.count ?? 0
        return (0..<classes * config.restarts).map { r in
            RestartPlan(restart: r, lossTargets: ranked.map { $0[r / config.restarts] })
        }
    }

    /// Per sample the `targetClasses` classes other than its label with the highest clean
    /// logits, likeliest first (ties to the lower index): AutoAttack's targets, taken from
    /// the clean output once.
    func likelyWrongClasses(_ batch: AttackBatch) throws -> [[Int]] {
        let logits = try model.logits(batch.images)
        let k = logits.shape[1], z = logits.scalars
        let wanted = Swift.min(config.targetClasses, k - 1)
        return batch.labels.enumerated().map { i, label in
            let others = (0..<k).filter { $0 != label }
            return Array(others.sorted { z[i * k + $0] > z[i * k + $1] || z[i * k + $0] == z[i * k + $1] && $0 < $1 }.prefix(wanted))
        }
    }

    /// Madry et al.'s inner maximization as adversarial training runs it: one restart,
    /// every step on every sample, the last iterate kept, and no evaluation passes,
    /// trajectories or re-judging, which only reporting needs. `startStream(i)` keys
    /// sample i's random start.
    func lastIterate(_ batch: AttackBatch, startStream: @escaping (Int) -> RandomStream) throws -> Tensor {
        guard case let .steps(makeRule) = config.method.engine else {
            throw AttackError.invalid("\(config.method) runs its own loop and has no lean mode")
        }
        return try lastIterate(makeRule(config), batch, startStream: startStream)
    }

    private func lastIterate<Rule: AttackStepRule>(_ rule: Rule, _ batch: AttackBatch, startStream: @escaping (Int) -> RandomStream) throws -> Tensor {
        if batch.count == 0 { return batch.images.detached }
        let context = self.context(batch.images.detached.scalars, shape: batch.images.shape, stream: startStream)
        var x = randomStart(rule, context)
        var state = rule.begin(at: x, context: context)
        for step in 0..<config.steps {
            guard var gradient = try evaluate(x, shape: batch.images.shape, labels: batch.labels, targets: batch.targets,
                                              withGradient: true).gradient else { break }
            for i in 0..<batch.count {
                rule.step(&state, &x, sample: i, step: step, gradient: &gradient, row: i, context: context)
            }
        }
        return try Tensor(shape: batch.images.shape, scalars: x)
    }

    /// What a step rule sees of one restart; `stream(i)` keys sample i's randomness.
    private func context(_ x0: [Float], shape: [Int], stream: @escaping (Int) -> RandomStream) -> StepContext {
        let n = shape.first ?? 0
        return StepContext(threat: ThreatModel(norm: config.norm, eps: config.eps), origin: x0, samples: n,
                           d: x0.count / Swift.max(n, 1), sampleShape: Array(shape.dropFirst()), config: config, stream: stream)
    }

    /// The clean images, each moved to its random start when the settings ask for one.
    private func randomStart<Rule: AttackStepRule>(_ rule: Rule, _ context: StepContext) -> [Float] {
        var x = context.origin
        guard config.randomStart && config.eps > 0 else { return x }
        let d = context.d
        for i in 0..<context.samples {
            rule.randomStart(&x, sample: i * d..<(i + 1) * d, stream: context.stream(i), context: context)
        }
        return x
    }

    /// The returned images, judged afresh by the model: success is what it says of them,
    /// not what an earlier iterate's bookkeeping remembers.
    private func outcome(_ iterates: AttackIterates, _ batch: AttackBatch) throws -> AttackOutcome {
        let adversarial = try Tensor(shape: batch.images.shape, scalars: iterates.x)
        let predictions = try model.logits(adversarial).argmax()
        let success = predictions.indices.map { batch.hits($0, predictions[$0]) }
        let producedBy = iterates.producedBy ?? success.map { _ in config.method.rawValue }
        return AttackOutcome(adversarial: adversarial, success: success, predictions: predictions,
                             successStep: success.indices.map { success[$0] ? iterates.step[$0] : nil },
                             trajectories: iterates.trajectories, queries: iterates.queries,
                             brokenBy: success.indices.map { success[$0] ? producedBy[$0] : nil })
    }
}
