import LoupeNN
import LoupeTensor

/// A validated batch to attack: images [N, C, H, W] in [0, 1], N labels, optional N
/// targets and the N ids that key the random starts.
struct AttackBatch {
    let images: Tensor
    let labels: [Int]
    let targets: [Int]?
    let ids: [Int]
    var count: Int { labels.count }

    /// Success: misclassified (untargeted) or on its target (targeted).
    func hits(_ i: Int, _ prediction: Int) -> Bool { targets.map { prediction == $0[i] } ?? (prediction != labels[i]) }
}

/// What an attack hands back before the model re-judges it: per sample the returned
/// iterate, the step it first succeeded at, and the trajectory when recorded.
struct AttackIterates {
    var x: [Float]
    var step: [Int?]
    var trajectories: [[AttackStep]]
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
            return AttackOutcome(adversarial: batch.images.detached, success: [], predictions: [], successStep: [], trajectories: [])
        }
        let iterates: AttackIterates
        switch config.method.engine {
        case let .steps(rule): iterates = try iterate(rule(config), batch, recordTrajectory: recordTrajectory)
        case let .loop(loop): iterates = try loop(self, batch, recordTrajectory)
        }
        return try outcome(iterates, batch)
    }

    /// Restarts × steps of `rule`, each sample keeping its iterate by the rule's `keeps`
    /// and the best over restarts.
    private func iterate<Rule: AttackStepRule>(_ rule: Rule, _ batch: AttackBatch, recordTrajectory: Bool) throws -> AttackIterates {
        let n = batch.count
        let context = self.context(batch.images)
        let d = context.d, x0 = context.origin
        let sampleShape = Array(batch.images.shape.dropFirst())
        var best = BestOverRestarts(x0, samples: n)
        var trajectories = [[AttackStep]](repeating: [], count: n)

        for restart in 0..<config.restarts {
            var x = randomStart(rule, context) { RandomStream(seed: config.seed, key: [UInt64(batch.ids[$0]), UInt64(restart)]) }
            var state = rule.begin(at: x, context: context)
            var frozen = [Bool](repeating: false, count: n)    // succeeded, early stop
            var firstHit = [Int?](repeating: nil, count: n)
            var keptX = x
            var keptLoss = [Float](repeating: -.infinity, count: n)
            var keptSuccess = [Bool](repeating: false, count: n)

            for step in 0...config.steps {
                // Only samples still being attacked go through the model: with early stop the
                // batch shrinks as samples break, which is most of the saving in a sweep.
                let active = (0..<n).filter { !frozen[$0] }
                if active.isEmpty { break }
                // The last round only evaluates the final iterate.
                let evaluateOnly = step == config.steps
                let round = try evaluate(x, samples: active, sampleShape: sampleShape, batch: batch,
                                         withGradient: !evaluateOnly, probabilities: recordTrajectory && restart == 0)
                for (a, i) in active.enumerated() {
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
                    if let record = round.record(a, step: step, label: batch.labels[i], target: batch.targets?[i]) {
                        trajectories[i].append(record)
                    }
                }
                guard var gradient = round.gradient, !evaluateOnly else { break }
                for (a, i) in active.enumerated() where !frozen[i] {
                    rule.step(&state, &x, sample: i, step: step, gradient: &gradient, row: a, context: context)
                }
            }
            for i in 0..<n { best.offer(i, from: keptX, success: keptSuccess[i], loss: keptLoss[i], step: firstHit[i]) }
        }
        return AttackIterates(x: best.x, step: best.step, trajectories: trajectories)
    }

    /// Madry et al.'s inner maximization as adversarial training runs it: one restart,
    /// every step on every sample, the last iterate kept, and no evaluation passes,
    /// trajectories or re-judging, which only reporting needs. `startStream(i)` keys
    /// sample i's random start.
    func lastIterate(_ batch: AttackBatch, startStream: (Int) -> RandomStream) throws -> Tensor {
        guard case let .steps(makeRule) = config.method.engine else {
            throw AttackError.invalid("\(config.method) runs its own loop and has no lean mode")
        }
        return try lastIterate(makeRule(config), batch, startStream: startStream)
    }

    private func lastIterate<Rule: AttackStepRule>(_ rule: Rule, _ batch: AttackBatch, startStream: (Int) -> RandomStream) throws -> Tensor {
        if batch.count == 0 { return batch.images.detached }
        let context = self.context(batch.images)
        var x = randomStart(rule, context, stream: startStream)
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

    private func context(_ images: Tensor) -> StepContext {
        let x0 = images.detached.scalars
        let n = images.shape.first ?? 0
        return StepContext(threat: ThreatModel(norm: config.norm, eps: config.eps), origin: x0, samples: n,
                           d: x0.count / Swift.max(n, 1), config: config)
    }

    /// The clean images, each moved to its random start when the settings ask for one.
    private func randomStart<Rule: AttackStepRule>(
        _ rule: Rule, _ context: StepContext, stream: (Int) -> RandomStream
    ) -> [Float] {
        var x = context.origin
        guard config.randomStart && config.eps > 0 else { return x }
        let d = context.d
        for i in 0..<context.samples {
            rule.randomStart(&x, sample: i * d..<(i + 1) * d, stream: stream(i), context: context)
        }
        return x
    }

    /// The returned images, judged afresh by the model: success is what it says of them,
    /// not what an earlier iterate's bookkeeping remembers.
    private func outcome(_ iterates: AttackIterates, _ batch: AttackBatch) throws -> AttackOutcome {
        let adversarial = try Tensor(shape: batch.images.shape, scalars: iterates.x)
        let predictions = try model.logits(adversarial).argmax()
        let success = predictions.indices.map { batch.hits($0, predictions[$0]) }
        return AttackOutcome(adversarial: adversarial, success: success, predictions: predictions,
                             successStep: success.indices.map { success[$0] ? iterates.step[$0] : nil },
                             trajectories: iterates.trajectories)
    }
}
