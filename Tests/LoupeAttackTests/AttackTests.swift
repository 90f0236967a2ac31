import LoupeAttack
import LoupeNN
import LoupeTensor
import LoupeTesting
import XCTest

final class AttackTests: XCTestCase {
    /// Property: whatever the input, gradient, budget and method, the result stays in the
    /// ε-ball (L∞ or L2, +1e-6) and in [0, 1].
    func testPerturbationsStayInBallAndRange() throws {
        let weights: [[Float]] = (0..<3).map { c in (0..<12).map { j in Float((c * 7 + j * 5) % 11) / 5 - 1 } }
        let model = try Fixtures.linearModel(weights: weights, bias: [0.1, -0.2, 0.05])
        for trial in 0..<30 {
            let stream = RandomStream(seed: 99, key: [UInt64(trial)])
            // Pixels pushed against 0 and 1 half the time so clipping is exercised.
            let x = (0..<(4 * 12)).map { i -> Float in
                let u = stream.uniform(at: UInt64(i))
                return trial % 2 == 0 ? u : (u < 0.5 ? u * 0.05 : 1 - (1 - u) * 0.05)
            }
            let images = try Tensor(shape: [4, 12, 1, 1], scalars: x)
            let eps = 0.02 + 0.5 * stream.uniform(at: 1000)
            let methods: [(AttackConfig.Method, AttackConfig.Norm)] = [(.fgsm, .linf), (.bim, .linf), (.pgd, .linf), (.mifgsm, .linf), (.pgd, .l2), (.bim, .l2)]
            let (method, norm) = methods[trial % methods.count]
            var config = AttackConfig(method: method, norm: norm, eps: eps, steps: 7)
            config.earlyStop = trial % 3 == 0
            config.restarts = 2
            config.seed = UInt64(trial)
            let targets: [Int]? = trial % 4 == 1 ? [2, 0, 1, 2] : nil
            // Every loss, DLR untargeted only (3 classes; targeted DLR needs 4).
            config.loss = [AttackConfig.Loss.ce, .margin, targets == nil ? .dlr : .ce][trial % 3]
            let out = try Attacker(model: model, config: config).run(images, labels: [0, 1, 2, 0], targets: targets)
            for (i, s) in try Perturbation.stats(out.adversarial, origin: images).enumerated() {
                XCTAssertLessThanOrEqual(norm == .linf ? s.linf : s.l2, eps + 1e-6, "trial \(trial) \(method) \(norm) sample \(i)")
                XCTAssertLessThanOrEqual(s.outOfRange, 0, "trial \(trial) sample \(i) leaves [0, 1]")
                XCTAssertFalse(s.nonFinite)
            }
        }
    }

    func testZeroBudgetLeavesInputsUnchanged() throws {
        let model = try Fixtures.linearModel(weights: [[1, -2, 0.5], [-1, 1, 1]], bias: [0, 0])
        let images = try Tensor(shape: [2, 3, 1, 1], scalars: [0.2, 0.9, 0.4, 0.0, 1.0, 0.3])
        for (method, norm) in [(AttackConfig.Method.fgsm, AttackConfig.Norm.linf), (.bim, .linf), (.pgd, .linf), (.mifgsm, .linf), (.pgd, .l2)] {
            var config = AttackConfig(method: method, norm: norm, eps: 0, steps: 5)
            config.earlyStop = false
            let out = try Attacker(model: model, config: config).run(images, labels: [0, 1])
            XCTAssertEqual(out.adversarial.scalars, images.scalars, "\(method) \(norm) moved pixels at ε = 0")
        }
    }

    /// For a linear two-class model the best L∞ attack is known in closed form: every
    /// pixel moves by ε against the sign of w_true − w_other, clipped to [0, 1]. PGD with
    /// enough steps must land exactly there.
    func testPGDFindsTheClosedFormLinearAttack() throws {
        let v: [Float] = [0.8, -1.3, 0.4, -0.2, 1.1, -0.7, 0.3, -0.9]
        let weights = [v.map { $0 / 2 }, v.map { -$0 / 2 }]   // w0 − w1 = v
        let x0: [Float] = [0.5, 0.02, 0.97, 0.5, 0.99, 0.01, 0.3, 0.6]
        let eps: Float = 0.1
        let optimum = zip(x0, v).map { min(max($0 - eps * ($1 > 0 ? 1 : -1), 0), 1) }
        let marginAt = { (x: [Float]) -> Float in zip(x, v).map { $0 * $1 }.reduce(0, +) }
        // Bias chosen so the optimum still leaves class 0 ahead by 0.05: no early stop can hide
        // a wrong answer, and the loss keeps pushing to the corner.
        let bias = 0.05 - marginAt(optimum)
        let model = try Fixtures.linearModel(weights: weights, bias: [bias / 2, -bias / 2])
        let images = try Tensor(shape: [1, 8, 1, 1], scalars: x0)
        for loss in [AttackConfig.Loss.ce, .margin] {
            var config = AttackConfig(method: .pgd, eps: eps, alpha: 0.03, steps: 20)
            config.loss = loss
            config.seed = 5
            let out = try Attacker(model: model, config: config).run(images, labels: [0])
            XCTAssertFalse(out.success[0])
            for (a, b) in zip(out.adversarial.scalars, optimum) { XCTAssertEqual(a, b, accuracy: 1e-6, "\(loss)") }
        }
        // A little less bias and the same attack must succeed (the optimum crosses over).
        let flipped = try Fixtures.linearModel(weights: weights, bias: [(bias - 0.1) / 2, -(bias - 0.1) / 2])
        let out = try Attacker(model: flipped, config: AttackConfig(method: .pgd, eps: eps, alpha: 0.03, steps: 20)).run(images, labels: [0])
        XCTAssertTrue(out.success[0])
        // And FGSM from the clean point reaches the same corner in one step.
        // (An α given with it must not change FGSM's single step of ε.)
        var fgsm = AttackConfig(method: .fgsm, eps: eps, alpha: 0.01)
        fgsm.earlyStop = false
        let one = try Attacker(model: model, config: fgsm).run(images, labels: [0])
        for (a, b) in zip(one.adversarial.scalars, optimum) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    /// On a linear two-class model the smallest L2 change that flips the decision is
    /// margin/‖v‖ along −v (v = w_true − w_other); CW must succeed at close to that distance
    /// and can never beat it.
    func testCarliniWagnerNearMinimalL2OnLinearModel() throws {
        let v: [Float] = [0.8, -1.3, 0.4, -0.2, 1.1, -0.7]
        let x0: [Float] = [0.5, 0.4, 0.6, 0.45, 0.55, 0.5]
        let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        let distance: Float = 0.15
        let bias = distance * norm - zip(x0, v).map { $0 * $1 }.reduce(0, +)   // margin = distance·‖v‖
        let model = try Fixtures.linearModel(weights: [v.map { $0 / 2 }, v.map { -$0 / 2 }], bias: [bias / 2, -bias / 2])
        var config = AttackConfig(method: .cw, eps: 0, steps: 300)
        config.searchSteps = 8
        config.initialConst = 10
        let images = try Tensor(shape: [1, 6, 1, 1], scalars: x0)
        let out = try Attacker(model: model, config: config).run(images, labels: [0])
        XCTAssertTrue(out.success[0])
        let l2 = try Perturbation.stats(out.adversarial, origin: images)[0].l2
        XCTAssertGreaterThanOrEqual(l2, distance * 0.999)
        XCTAssertLessThanOrEqual(l2, distance * 1.1)
    }

    func testTargetedAttackOnTrainedModel() throws {
        guard let model = Fixtures.trainedFashionCNN, let test = Fixtures.fashionTest else { throw XCTSkip("no Fashion-MNIST") }
        let (images, labels) = try test.batch(Array(0..<24))
        let target = 8   // Bag
        let keep = labels.indices.filter { labels[$0] != target }
        let x = try test.batch(keep.map { $0 }).images
        var config = AttackConfig(method: .pgd, eps: 0.3, alpha: 0.03, steps: 30)
        config.seed = 3
        let out = try Attacker(model: model, config: config).run(x, labels: keep.map { labels[$0] }, targets: keep.map { _ in target })
        let hits = out.predictions.filter { $0 == target }.count
        XCTAssertEqual(out.success.filter { $0 }.count, hits)
        XCTAssertGreaterThanOrEqual(Double(hits) / Double(keep.count), 0.9, "targeted PGD reached Bag on \(hits)/\(keep.count)")
        _ = images
    }

    /// The same seed gives the same adversarial bytes whatever the batch it runs in and the
    /// thread count.
    func testDeterministicAcrossBatchSizeAndThreads() throws {
        guard let model = Fixtures.trainedFashionCNN, let test = Fixtures.fashionTest else { throw XCTSkip("no Fashion-MNIST") }
        let (images, labels) = try test.batch(Array(0..<12))
        var config = AttackConfig(method: .pgd, eps: 0.1, alpha: 0.01, steps: 10)
        config.seed = 11
        let attacker = try Attacker(model: model, config: config)
        let whole = try attacker.run(images, labels: labels, sampleIDs: Array(0..<12))
        let d = images.count / 12
        for (threads, split) in [(1, [5, 7]), (2, [1, 3, 8]), (2, [12])] {
            var start = 0
            for size in split {
                let ids = Array(start..<start + size)
                let part = try test.batch(ids)
                let out = try withThreads(threads) { try attacker.run(part.images, labels: part.labels, sampleIDs: ids) }
                let expected = Array(whole.adversarial.scalars[start * d..<(start + size) * d])
                XCTAssertEqual(bytes(out.adversarial.scalars), bytes(expected), "threads \(threads), batch \(size) at \(start)")
                XCTAssertEqual(out.predictions, Array(whole.predictions[start..<start + size]))
                start += size
            }
        }
    }

    func testQuantizationStaysInBall() throws {
        let x0 = try Tensor(shape: [1, 4, 1, 1], scalars: [10, 100, 200, 0].map { Float($0) / 255 })
        // ε = 0.007 is 1.785 levels: plain rounding of x0 + ε would give 2 levels.
        let eps: Float = 0.007
        let x = try Tensor(shape: [1, 4, 1, 1], scalars: x0.scalars.enumerated().map { i, v in min(max(v + (i % 2 == 0 ? eps : -eps), 0), 1) })
        let q = try Perturbation.quantized(x, within: eps, of: x0)
        XCTAssertEqual(q.scalars.map { ($0 * 255).rounded() }, [11, 99, 201, 0])
        XCTAssertEqual(try Perturbation.quantized(x).scalars.map { ($0 * 255).rounded() }, [12, 98, 202, 0])
    }

    func bytes(_ x: [Float]) -> [UInt8] { x.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) } }
}
