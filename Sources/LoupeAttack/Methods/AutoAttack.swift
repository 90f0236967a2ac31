import LoupeNN
import LoupeTensor

extension AttackConfig.Method {
    /// Croce & Hein 2020's AutoAttack, standard version: APGD-CE, APGD-T, FAB-T and Square
    /// in cascade, each run only on the samples the ones before left correctly classified,
    /// so each sample gets the worst case of the four. Its iterations are the standard 100
    /// (Square's budget is `queries`, 5,000); records say which member broke each sample.
    public static let autoattack = Self(
        name: "autoattack", title: "AutoAttack", summary: "AutoAttack standard: APGD-CE, APGD-T, FAB-T and Square in cascade (L∞ or L2)",
        norms: [.linf, .l2], defaultSteps: 100, fixedSteps: 100, randomStart: false, stepSize: { 2 * $0.eps },
        refusesAlpha: "autoattack runs its members with their own step sizes: drop alpha",
        restartable: false, plotsSteps: false, atLeastAsStrongAsFGSM: true, members: AutoAttack.standard,
        engine: .loop { driver, batch, record in try AutoAttack(driver: driver).run(batch, recordTrajectory: record) })
}

/// The cascade. Every member keeps the cascade's seed, budget and norm, stops on a sample
/// once it breaks, and runs one restart (one per target class for APGD-T and FAB-T), as
/// AutoAttack's standard version does.
struct AutoAttack {
    static let standard: [AttackConfig.Method.Member] = [
        .init("apgd-ce", "APGD-CE", .apgd) { member(.apgd, of: $0) },
        .init("apgd-t", "APGD-T", .apgdT) { member(.apgdT, of: $0) },
        .init("fab-t", "FAB-T", .fabT) { member(.fabT, of: $0) },
        .init("square", "Square", .square) { member(.square, of: $0) },
    ]

    static func member(_ method: AttackConfig.Method, of cascade: AttackConfig) -> AttackConfig {
        var c = AttackConfig(method: method, norm: cascade.norm, eps: cascade.eps, steps: cascade.steps)
        (c.seed, c.queries, c.targetClasses, c.restarts, c.earlyStop) = (cascade.seed, cascade.queries, cascade.targetClasses, 1, true)
        return c
    }

    let driver: AttackDriver

    func run(_ batch: AttackBatch, recordTrajectory: Bool) throws -> AttackIterates {
        let n = batch.count, x0 = batch.images.detached.scalars
        let d = x0.count / max(n, 1)
        var x = x0
        var step = [Int?](repeating: nil, count: n)
        var producedBy = [String?](repeating: nil, count: n)
        var queries = [Int](repeating: 0, count: n)
        var trajectories = [[AttackStep]](repeating: [], count: n)
        let logits = try driver.model.logits(batch.images)
        let classes = logits.shape[1], clean = try logits.argmax()
        // At ε = 0 the ball is the clean image: nothing to search.
        var standing = driver.config.eps > 0 ? (0..<n).filter { !batch.hits($0, clean[$0]) } : []
        var offset = 0

        for member in driver.config.method.members where !standing.isEmpty {
            let config = member.configure(driver.config)
            let targeted = batch.targets != nil || member.method.aimsAtLikelyClasses
            // A member whose loss the model has too few classes for is left out (the audit says so).
            guard classes >= AttackLoss.minimumClasses(config.loss, targeted: targeted) else { continue }
            let outcome = try AttackDriver(model: driver.model, config: config).run(try batch.subset(standing),
                                                                                     recordTrajectory: recordTrajectory)
            for (r, i) in standing.enumerated() {
                if member.method.blackBox { queries[i] += outcome.queries[r] }
                if recordTrajectory {
                    trajectories[i] += outcome.trajectories[r].map {
                        AttackStep(step: $0.step + offset, loss: $0.loss, trueProbability: $0.trueProbability,
                                   targetProbability: $0.targetProbability, predicted: $0.predicted)
                    }
                }
                guard outcome.success[r] else { continue }
                let adversarial = outcome.adversarial.scalars
                for j in 0..<d { x[i * d + j] = adversarial[r * d + j] }
                producedBy[i] = member.name
                step[i] = outcome.successStep[r].map { $0 + offset }
            }
            standing = standing.enumerated().filter { !outcome.success[$0.offset] }.map(\.element)
            offset += config.iterations * (config.method.aimsAtLikelyClasses ? config.targetClasses : 1) + 1
        }
        return AttackIterates(x: x, step: step, trajectories: trajectories, queries: queries, producedBy: producedBy)
    }
}
