import LoupeAttack
import LoupeNN
import LoupeTensor
import LoupeTesting
import XCTest

final class APGDTests: XCTestCase {
    /// By hand from p_0 = 0, p_1 = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06):
    /// p = 0, .22, .41 (+.19), .57 (+.16), .70 (+.13), .80 (+.10), .87 (+.07), .93 (+.06),
    /// .99 (+.06), then 1.05 > 1 ends it. w_j = ⌈p_j·N⌉:
    /// N = 100: 0, 22, 41, 57, 70, 80, 87, 93, 99.
    /// N = 20: 0, ⌈4.4⌉ = 5, ⌈8.2⌉ = 9, ⌈11.4⌉ = 12, 14, 16, ⌈17.4⌉ = 18, ⌈18.6⌉ = 19, ⌈19.8⌉ = 20.
    /// N = 10: 0, 3, 5, 6, 7, 8, 9, 10, 10 (the repeat dropped).
    func testCheckpointSchedule() {
        XCTAssertEqual(APGDSchedule.checkpoints(steps: 100), [0, 22, 41, 57, 70, 80, 87, 93, 99])
        XCTAssertEqual(APGDSchedule.checkpoints(steps: 20), [0, 5, 9, 12, 14, 16, 18, 19, 20])
        XCTAssertEqual(APGDSchedule.checkpoints(steps: 10), [0, 3, 5, 6, 7, 8, 9, 10])
        XCTAssertEqual(APGDSchedule.checkpoints(steps: 1), [0, 1])
    }

    /// Scripted losses, four steps between checkpoints (ρ·4 = 3 increases needed).
    func testHalvingConditions() {
        func run(_ intervals: [[Float]]) -> [Bool] {
            var c = APGDStepSize(eta: 1, startLoss: 0)
            var best: Float = 0
            return intervals.map { losses in
                for l in losses { c.observe(l); best = max(best, l) }
                return c.checkpoint(bestLoss: best)
            }
        }
        // Steady climb: neither condition.
        XCTAssertEqual(run([[1, 2, 3, 4], [5, 6, 7, 8]]), [false, false])
        // Oscillation (2 rises of 4 < 3) halves even though the best improved.
        XCTAssertEqual(run([[1, 0, 1, 0]]), [true])
        // Exactly 3 rises of 4 is not "fewer than ρ": condition 1 is strict.
        // Interval 2: best stuck at 10 and η unchanged since the last checkpoint → halve.
        // Interval 3: same losses, but η was just halved → condition 2 does not apply.
        // Interval 4: η unchanged since interval 3 and best still 10 → halve again.
        XCTAssertEqual(run([[1, 2, 3, 10], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]), [false, true, false, true])
        // Condition 2 at the very first checkpoint (as in the paper): no improvement on f(x⁰).
        XCTAssertEqual(run([[-1, -0.5, -0.25, -0.1]]), [true])

        var c = APGDStepSize(eta: 0.5, startLoss: 0)
        for l: Float in [1, 0, 1, 0] { c.observe(l) }
        _ = c.checkpoint(bestLoss: 1)
        XCTAssertEqual(c.eta, 0.25)
    }

    func testConfigDefaultsAndValidation() throws {
        let c = AttackConfig(method: .apgd, eps: 0.1)
        XCTAssertEqual(c.steps, 100)
        XCTAssertTrue(c.randomStart)
        XCTAssertEqual(c.stepSize, 0.2)
        XCTAssertThrowsError(try AttackConfig(method: .apgd, eps: 0.1, alpha: 0.01).validate())
        XCTAssertEqual(AttackConfig.Method(rawValue: "apgd"), .apgd)
        // A sweep's α is for the other attacks; APGD ignores it rather than failing.
        let s = SweepSettings(model: "m", data: "d", total: 1, attacks: [.pgd, .apgd], epsilons: [0.1], steps: 20, alpha: 0.01)
        XCTAssertNoThrow(try s.validate())
        XCTAssertNil(s.config(.apgd, eps: 0.1).alpha)
    }

    /// Whatever the input, budget, norm and targeting, APGD's result stays in the ε-ball
    /// (+1e-6) and in [0, 1].
    func testStaysInBallAndRange() throws {
        let weights: [[Float]] = (0..<3).map { c in (0..<12).map { j in Float((c * 7 + j * 5) % 11) / 5 - 1 } }
        let model = try Fixtures.linearModel(weights: weights, bias: [0.1, -0.2, 0.05])
        for trial in 0..<16 {
            let stream = RandomStream(seed: 77, key: [UInt64(trial)])
            let x = (0..<(4 * 12)).map { i -> Float in
                let u = stream.uniform(at: UInt64(i))
                return trial % 2 == 0 ? u : (u < 0.5 ? u * 0.05 : 1 - (1 - u) * 0.05)
            }
            let images = try Tensor(shape: [4, 12, 1, 1], scalars: x)
            let eps = 0.02 + 0.5 * stream.uniform(at: 1000)
            let norm: AttackConfig.Norm = trial % 4 < 2 ? .linf : .l2
            var config = AttackConfig(method: .apgd, norm: norm, eps: eps, steps: 12)
            config.earlyStop = trial % 3 == 0
            config.restarts = 2
            config.loss = trial % 5 == 0 ? .margin : trial % 4 == 2 ? .dlr : .ce   // DLR untargeted only: 3 classes
            config.seed = UInt64(trial)
            let targets: [Int]? = trial % 2 == 1 ? [2, 0, 1, 2] : nil
            let out = try Attacker(model: model, config: config).run(images, labels: [0, 1, 2, 0], targets: targets)
            for (i, s) in try Perturbation.stats(out.adversarial, origin: images).enumerated() {
                XCTAssertLessThanOrEqual(norm == .linf ? s.linf : s.l2, eps + 1e-6, "trial \(trial) \(norm) sample \(i)")
                XCTAssertLessThanOrEqual(s.outOfRange, 0, "trial \(trial) sample \(i) leaves [0, 1]")
                XCTAssertFalse(s.nonFinite)
            }
        }
    }

    /// The planted linear model of the PGD test: the best L∞ attack moves every pixel by ε
    /// against sign(w_true − w_other), clipped to [0, 1]; APGD must land exactly there.
    func testFindsTheClosedFormLinearAttack() throws {
        let v: [Float] = [0.8, -1.3, 0.4, -0.2, 1.1, -0.7, 0.3, -0.9]
        let weights = [v.map { $0 / 2 }, v.map { -$0 / 2 }]
        let x0: [Float] = [0.5, 0.02, 0.97, 0.5, 0.99, 0.01, 0.3, 0.6]
        let eps: Float = 0.1
        let optimum = zip(x0, v).map { min(max($0 - eps * ($1 > 0 ? 1 : -1), 0), 1) }
        let marginAt = { (x: [Float]) -> Float in zip(x, v).map { $0 * $1 }.reduce(0, +) }
        let bias = 0.05 - marginAt(optimum)   // class 0 still wins by 0.05 at the optimum
        let model = try Fixtures.linearModel(weights: weights, bias: [bias / 2, -bias / 2])
        let images = try Tensor(shape: [1, 8, 1, 1], scalars: x0)
        for loss in [AttackConfig.Loss.ce, .margin] {
            var config = AttackConfig(method: .apgd, eps: eps, steps: 20)
            config.loss = loss
            config.seed = 5
            let out = try Attacker(model: model, config: config).run(images, labels: [0], recordTrajectory: true)
            XCTAssertFalse(out.success[0])
            for (a, b) in zip(out.adversarial.scalars, optimum) { XCTAssertEqual(a, b, accuracy: 1e-6, "\(loss)") }
            // Every step is recorded (no early stop on a failure), as for PGD.
            XCTAssertEqual(out.trajectories[0].map(\.step), Array(0...20))
        }
        let flipped = try Fixtures.linearModel(weights: weights, bias: [(bias - 0.1) / 2, -(bias - 0.1) / 2])
        let out = try Attacker(model: flipped, config: AttackConfig(method: .apgd, eps: eps, steps: 20)).run(images, labels: [0])
        XCTAssertTrue(out.success[0])
    }

    func testTargetedAttackOnTrainedModel() throws {
        guard let model = Fixtures.trainedFashionCNN, let test = Fixtures.fashionTest else { throw XCTSkip("no Fashion-MNIST") }
        let labels = try test.batch(Array(0..<24)).labels
        let target = 8   // Bag
        let keep = labels.indices.filter { labels[$0] != target }
        let x = try test.batch(keep).images
        var config = AttackConfig(method: .apgd, eps: 0.3, steps: 30)
        config.seed = 3
        let out = try Attacker(model: model, config: config).run(x, labels: keep.map { labels[$0] }, targets: keep.map { _ in target })
        let hits = out.predictions.filter { $0 == target }.count
        XCTAssertEqual(out.success.filter { $0 }.count, hits)
        XCTAssertGreaterThanOrEqual(Double(hits) / Double(keep.count), 0.9, "targeted APGD reached Bag on \(hits)/\(keep.count)")
    }

    /// Same seed, same adversarial bytes whatever the batch and thread count, L∞ and L2.
    func testDeterministicAcrossBatchSizeAndThreads() throws {
        guard let model = Fixtures.trainedFashionCNN, let test = Fixtures.fashionTest else { throw XCTSkip("no Fashion-MNIST") }
        let (images, labels) = try test.batch(Array(0..<12))
        let d = images.count / 12
        for (norm, eps) in [(AttackConfig.Norm.linf, Float(0.05)), (.l2, 1.0)] {
            var config = AttackConfig(method: .apgd, norm: norm, eps: eps, steps: 10)
            config.seed = 11
            config.restarts = 2
            let attacker = try Attacker(model: model, config: config)
            let whole = try attacker.run(images, labels: labels, sampleIDs: Array(0..<12))
            for (threads, split) in [(1, [5, 7]), (2, [1, 3, 8])] {
                var start = 0
                for size in split {
                    let ids = Array(start..<start + size)
                    let part = try test.batch(ids)
                    let out = try withThreads(threads) { try attacker.run(part.images, labels: part.labels, sampleIDs: ids) }
                    XCTAssertEqual(bytes(out.adversarial.scalars), bytes(Array(whole.adversarial.scalars[start * d..<(start + size) * d])),
                                   "\(norm) threads \(threads), batch \(size) at \(start)")
                    XCTAssertEqual(out.predictions, Array(whole.predictions[start..<start + size]))
                    start += size
                }
            }
        }
    }

    /// With the same budget, steps and random starts, APGD leaves no more accuracy than PGD
    /// (Madry's α = 2.5ε/steps) on the small trained model, within 2 of 100 images, at a
    /// budget where PGD breaks a few and one where it breaks many (measured: ε = 0.06:
    /// clean 71, PGD-20 61, APGD-20 61; ε = 0.1: 40 and 40 of 100).
    func testAtLeastAsStrongAsPGD() throws {
        guard let model = Fixtures.trainedFashionCNN, let test = Fixtures.fashionTest else { throw XCTSkip("no Fashion-MNIST") }
        let (images, labels) = try test.batch(Array(0..<100))
        let clean = zip(try model.logits(images).argmax(), labels).filter { $0 == $1 }.count
        for eps: Float in [0.06, 0.1] {
            var robust: [AttackConfig.Method: Int] = [:]
            for method in [AttackConfig.Method.pgd, .apgd] {
                var config = AttackConfig(method: method, eps: eps, steps: 20)
                config.seed = 2
                let out = try Attacker(model: model, config: config).run(images, labels: labels)
                robust[method] = zip(out.predictions, labels).filter { $0 == $1 }.count
            }
            let (pgd, apgd) = (robust[.pgd] ?? 0, robust[.apgd] ?? 0)
            print("ε = \(eps): clean \(clean)/100, PGD-20 \(pgd)/100, APGD-20 \(apgd)/100")
            XCTAssertLessThan(pgd, clean, "PGD must break something for the comparison to mean anything")
            XCTAssertLessThanOrEqual(apgd, pgd + 2, "ε = \(eps)")
        }
    }

    /// A sweep with APGD beside FGSM and PGD passes every self-audit check, including
    /// APGD's own comparison with FGSM.
    func testSweepAuditIncludesAPGD() throws {
        guard let model = Fixtures.trainedFashionCNN, let data = Fixtures.fashionTest else { throw XCTSkip("no Fashion-MNIST") }
        let settings = SweepSettings(model: "fashion-cnn (test)", data: "fashion-mnist:test", total: 30, attacks: [.fgsm, .pgd, .apgd],
                                     epsilons: [0, 0.1], steps: 5, alpha: 0.03, seed: 7)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-apgd-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let records = try RobustnessSweep(model: model, data: data, settings: settings).run(into: folder, resume: false)
        let summary = try RobustnessSummary(settings: settings, records: records)
        XCTAssertTrue(summary.audit.contains { $0.check == "APGD never leaves more accuracy than FGSM at the same ε" })
        for c in summary.audit { XCTAssertTrue(c.passed, "\(c.check): \(c.detail)") }
        XCTAssertTrue(summary.accuracyPerStep.contains { $0.attack == .apgd })
    }

    func bytes(_ x: [Float]) -> [UInt8] { x.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) } }
}
