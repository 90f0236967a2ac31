@testable import LoupeAttack
import LoupeNN
import LoupeTensor
import LoupeTesting
import XCTest

final class AttackLossTests: XCTestCase {
    /// Row [3, 1, 2, 0]: sorted descending 3 (class 0), 2 (class 2), 1 (class 1), 0 (class 3).
    /// Untargeted, label 0: −(3 − 2) / (3 − 1) = −0.5; label 1: −(1 − 3) / (3 − 1) = 1.
    /// Targeted, label 0 → target 3: −(3 − 0) / (3 − (1 + 0)/2) = −1.2.
    func testDLRByHand() throws {
        let logits = try Tensor(shape: [2, 4], scalars: [3, 1, 2, 0, 3, 1, 2, 0])
        let untargeted = try AttackLoss.perSample(logits, labels: [0, 1], targets: nil, kind: .dlr)
        XCTAssertEqual(untargeted[0], -0.5, accuracy: 1e-6)
        XCTAssertEqual(untargeted[1], 1, accuracy: 1e-6)
        let targeted = try AttackLoss.perSample(logits, labels: [0, 0], targets: [3, 3], kind: .dlr)
        XCTAssertEqual(targeted[0], -1.2, accuracy: 1e-6)
        // The summed objective is the sum of the per-sample values.
        XCTAssertEqual(try AttackLoss.objective(logits, labels: [0, 1], targets: nil, kind: .dlr).item, 0.5, accuracy: 1e-6)
    }

    /// What makes DLR worth having: scaling and shifting the logits leaves it unchanged.
    func testDLRIgnoresScaleAndShift() throws {
        let z: [Float] = [0.3, -1.2, 2.0, 0.7, 1.1, -0.4, 0.9, 0.2, -2.0, 1.5]
        let logits = try Tensor(shape: [2, 5], scalars: z)
        let rescaled = try Tensor(shape: [2, 5], scalars: z.map { 250 * $0 - 40 })
        for targets in [nil, [3, 0] as [Int]?] {
            let a = try AttackLoss.perSample(logits, labels: [2, 4], targets: targets, kind: .dlr)
            let b = try AttackLoss.perSample(rescaled, labels: [2, 4], targets: targets, kind: .dlr)
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        }
    }

    /// Logits spaced ≥ 0.3 apart, so the finite-difference steps never reorder them.
    func testDLRGradientMatchesFiniteDifferences() throws {
        let rows: [[Float]] = [[0.0, 1.1, 2.4, 0.5, 1.8, 3.3], [2.9, 0.2, 1.4, 3.6, 0.8, 2.1], [1.0, 2.0, 0.3, 1.5, 3.0, 2.5]]
        let logits = try Tensor(shape: [3, 6], scalars: rows.flatMap { $0 })
        try checkGradients([logits], eps: 1e-2) { try AttackLoss.dlr($0[0], labels: [2, 0, 4], targets: nil) }
        try checkGradients([logits], eps: 1e-2) { try AttackLoss.dlr($0[0], labels: [2, 0, 4], targets: [5, 3, 1]) }
    }

    func testDLRNeedsEnoughClasses() throws {
        let two = try Tensor(shape: [1, 2], scalars: [1, 0])
        XCTAssertThrowsError(try AttackLoss.perSample(two, labels: [0], targets: nil, kind: .dlr)) { error in
            XCTAssertTrue("\(error)".contains("at least 3 classes"), "\(error)")
        }
        let three = try Tensor(shape: [1, 3], scalars: [1, 0, 2])
        XCTAssertNoThrow(try AttackLoss.perSample(three, labels: [0], targets: nil, kind: .dlr))
        XCTAssertThrowsError(try AttackLoss.perSample(three, labels: [0], targets: [1], kind: .dlr)) { error in
            XCTAssertTrue("\(error)".contains("at least 4 classes when targeted"), "\(error)")
        }
    }

    /// Gradient masking by saturation: the planted linear attack of AttackTests on a model
    /// whose logits are multiplied by 10⁴. At the clean point the true class wins by ~4,000,
    /// so the softmax is exactly one-hot in Float32 and the cross-entropy gradient is exactly
    /// zero: PGD and APGD with CE cannot move. DLR does not see the scale, and both find
    /// the optimum, where class 1 wins.
    func testDLRDefeatsSaturatedSoftmax() throws {
        let v: [Float] = [0.8, -1.3, 0.4, -0.2, 1.1, -0.7, 0.3, -0.9]
        let x0: [Float] = [0.5, 0.02, 0.97, 0.5, 0.99, 0.01, 0.3, 0.6]
        let eps: Float = 0.1
        let optimum = zip(x0, v).map { min(max($0 - eps * ($1 > 0 ? 1 : -1), 0), 1) }
        let marginAt = { (x: [Float]) -> Float in zip(x, v).map { $0 * $1 }.reduce(0, +) }
        let bias = -0.05 - marginAt(optimum)   // class 1 wins by 0.05 at the optimum only
        XCTAssertGreaterThan(marginAt(x0) + bias, 0.4, "the clean point is far from the boundary")
        let s: Float = 1e4
        let zero = [Float](repeating: 0, count: 8)
        let model = try Fixtures.linearModel(weights: [v.map { s * $0 / 2 }, v.map { -s * $0 / 2 }, zero, zero],
                                             bias: [s * bias / 2, -s * bias / 2, -10 * s, -10 * s])
        let images = try Tensor(shape: [1, 8, 1, 1], scalars: x0)
        for method in [AttackConfig.Method.pgd, .apgd] {
            var config = AttackConfig(method: method, eps: eps, steps: 20)
            config.seed = 5
            config.loss = .ce
            let masked = try Attacker(model: model, config: config).run(images, labels: [0])
            XCTAssertFalse(masked.success[0], "\(method) with CE: the gradient is zero, nothing should move it")
            config.loss = .dlr
            let out = try Attacker(model: model, config: config).run(images, labels: [0])
            XCTAssertTrue(out.success[0], "\(method) with DLR")
            XCTAssertEqual(out.predictions[0], 1)
            let stats = try Perturbation.stats(out.adversarial, origin: images)[0]
            XCTAssertLessThanOrEqual(stats.linf, eps + 1e-6)
            XCTAssertLessThanOrEqual(stats.outOfRange, 0)
        }
    }
}
