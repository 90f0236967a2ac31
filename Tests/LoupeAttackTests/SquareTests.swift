@testable import LoupeAttack
import LoupeNN
import LoupeTensor
import Foundation
import XCTest

final class SquareTests: XCTestCase {
    /// By hand from the paper's schedule (p_init = 0.8, halved after 10, 50, 200, 500,
    /// 1000, 2000, 4000, 6000, 8000 of 10,000 queries), and the same rescaled to 5,000:
    /// proposal k sits at ⌊k/5000·10000⌋ = 2k.
    func testScheduleOfSquareSizes() {
        let p = { (k: Int, q: Int) in SquareSchedule.p(proposal: k, queries: q) }
        XCTAssertEqual(p(0, 10000), 0.8)
        XCTAssertEqual(p(10, 10000), 0.8)
        XCTAssertEqual(p(11, 10000), 0.4)
        XCTAssertEqual(p(50, 10000), 0.4)
        XCTAssertEqual(p(51, 10000), 0.2)
        XCTAssertEqual(p(500, 10000), 0.1)
        XCTAssertEqual(p(501, 10000), 0.05)
        XCTAssertEqual(p(8000, 10000), 0.8 / 256)
        XCTAssertEqual(p(9999, 10000), 0.8 / 512)
        XCTAssertEqual(p(5, 5000), 0.8)
        XCTAssertEqual(p(6, 5000), 0.4)
        XCTAssertEqual(p(4999, 5000), 0.8 / 512)
        // Side √(p·H·W): √(0.8·784) = 25.04 → 25; √(0.05·784) = 6.26 → 6, made odd (7) for L2;
        // tiny p gives 1 (L∞) or 3 (L2); never more than the image.
        XCTAssertEqual(SquareSchedule.side(p: 0.8, height: 28, width: 28, norm: .linf), 25)
        XCTAssertEqual(SquareSchedule.side(p: 0.05, height: 28, width: 28, norm: .linf), 6)
        XCTAssertEqual(SquareSchedule.side(p: 0.05, height: 28, width: 28, norm: .l2), 7)
        XCTAssertEqual(SquareSchedule.side(p: 0.001, height: 28, width: 28, norm: .linf), 1)
        XCTAssertEqual(SquareSchedule.side(p: 0.001, height: 28, width: 28, norm: .l2), 3)
        XCTAssertEqual(SquareSchedule.side(p: 0.8, height: 2, width: 2, norm: .l2), 2)
    }

    /// The L2 proposal's peaks by hand. rectangles(1, 3): center column 1 gets 1, the next
    /// ring (all three) 1/4 → [0.25, 1.25, 0.25] / √1.6875. eta(2): top row rectangles(1, 2)
    /// (center at column 2/2 = 1) = [1/4, 1 + 1/4] normalized, bottom row its negation;
    /// transposed swaps the axes.
    func testL2ProposalShape() {
        let r = SquareSearch.rectangles(1, 3)
        let n = Float(1.6875).squareRoot()
        for (a, b) in zip(r, [0.25 / n, 1.25 / n, 0.25 / n]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let e = SquareSearch.eta(2, transposed: false)
        let m = Float(2 * (1.25 * 1.25 + 0.25 * 0.25)).squareRoot()
        for (a, b) in zip(e, [0.25 / m, 1.25 / m, -0.25 / m, -1.25 / m]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        let t = SquareSearch.eta(2, transposed: true)
        for (a, b) in zip(t, [e[0], e[2], e[1], e[3]]) { XCTAssertEqual(a, b) }
        for s in 1...9 { XCTAssertEqual(SquareSearch.norm(SquareSearch.eta(s, transposed: s % 2 == 0)), 1, accuracy: 1e-5) }
    }

    /// A linear two-class model on 2×4×4 images whose best L∞ attack is known in closed
    /// form: every pixel at x0 − ε·sign(w_true − w_other), clipped. The bias leaves the
    /// optimum still correct by 0.05, so Square never stops early and must find the exact
    /// corner of the box by random search alone.
    func testLinfReachesTheClosedFormOptimum() throws {
        let (c, s) = (2, 4), d = 32
        let v = (0..<d).map { j -> Float in (j % 3 == 0 ? -1 : 1) * (0.2 + Float((j * 7) % 11) / 10) }
        let x0 = (0..<d).map { j -> Float in
            if j % 5 == 0 { return 0.01 }
            if j % 7 == 0 { return 0.98 }
            return 0.2 + Float((j * 13) % 17) / 30
        }
        let eps: Float = 0.05
        let optimum: [Float] = zip(x0, v).map { x, w in min(max(x - eps * (w > 0 ? 1 : -1), 0), 1) }
        let bias: Float = 0.05 - zip(optimum, v).map { $0 * $1 }.reduce(0, +)
        let model = try Fixtures.linearImageModel(channels: c, size: s, weights: [v.map { $0 / 2 }, v.map { -$0 / 2 }],
                                                  bias: [bias / 2, -bias / 2])
        let images = try Tensor(shape: [1, c, s, s], scalars: x0)
        for seed: UInt64 in [0, 1, 2] {
            var config = AttackConfig(method: .square, eps: eps)
            (config.queries, config.seed) = (3000, seed)
            let out = try Attacker(model: model, config: config).run(images, labels: [0])
            XCTAssertFalse(out.success[0])
            for (a, b) in zip(out.adversarial.scalars, optimum) { XCTAssertEqual(a, b, accuracy: 1e-6, "seed \(seed)") }
            XCTAssertEqual(out.queries, [3000], "an unbroken sample spends the whole budget")
        }
        // Two hundredths less bias and the optimum crosses over: Square must succeed.
        let flipped = try Fixtures.linearImageModel(channels: c, size: s, weights: [v.map { $0 / 2 }, v.map { -$0 / 2 }],
                                                    bias: [(bias - 0.1) / 2, -(bias - 0.1) / 2])
        var config = AttackConfig(method: .square, eps: eps)
        config.queries = 3000
        XCTAssertEqual(try Attacker(model: flipped, config: config).run(images, labels: [0]).success, [true])
    }

    /// L2: the best perturbation of a linear model, away from the box, is ε·v/‖v‖ against
    /// v, lowering the margin by ε‖v‖; nothing inside the ball can do better. Random search
    /// approaches it slowly (its proposals are fixed-shape peaks, not gradient steps): on a
    /// smooth v it must cover 60% of the way in 3,000 queries, always spending the whole
    /// budget (‖δ‖₂ = ε).
    func testL2ApproachesTheClosedFormOptimum() throws {
        let (c, s) = (1, 12), d = 144
        let v = (0..<d).map { j -> Float in
            let (r, q) = (Float(j / s) - 5.5, Float(j % s) - 5.5)
            return Float(Foundation.exp(Double(-(r * r + q * q) / 18)))
        }
        let x0 = (0..<d).map { j -> Float in 0.35 + Float((j * 11) % 13) / 40 }
        let eps: Float = 0.3
        let best = eps * v.map { $0 * $0 }.reduce(0, +).squareRoot()
        let margin = { (x: [Float]) in zip(x, v).map { $0 * $1 }.reduce(0, +) }
        let bias = best + 1 - margin(x0)   // still correct by 1 at the optimum
        let model = try Fixtures.linearImageModel(channels: c, size: s, weights: [v.map { $0 / 2 }, v.map { -$0 / 2 }],
                                                  bias: [bias / 2, -bias / 2])
        let images = try Tensor(shape: [1, c, s, s], scalars: x0)
        var config = AttackConfig(method: .square, norm: .l2, eps: eps)
        config.queries = 3000
        let out = try Attacker(model: model, config: config).run(images, labels: [0])
        let drop = margin(x0) - margin(out.adversarial.scalars)
        XCTAssertGreaterThanOrEqual(drop, 0.6 * best)
        XCTAssertLessThanOrEqual(drop, best * (1 + 1e-5))
        XCTAssertEqual(try Perturbation.stats(out.adversarial, origin: images)[0].l2, eps, accuracy: 1e-5)
    }

    /// Every query is counted: per sample, the reported count equals the images that sample
    /// sent through the model (one already misclassified stops at its first, a broken one at
    /// the query that broke it, an unbreakable one spends the budget), and the model saw
    /// exactly their sum plus one re-judging pass over the batch. The samples sit at planted
    /// margins: 2×, 0.3× and 0.5× the largest drop any perturbation can make, and −1.5× (wrong
    /// wherever its random start lands).
    func testQueriesAreCountedExactly() throws {
        let (c, s) = (3, 5), d = 75
        let v = (0..<d).map { j -> Float in (j % 3 == 0 ? -1 : 1) * (0.5 + Float((j * 7) % 11) / 10) }
        let l1 = v.map { Swift.abs($0) }.reduce(0, +), l2 = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        let bias = -0.5 * v.reduce(0, +)   // margin 0 at x = 0.5 everywhere
        let (model, counter) = Fixtures.counting(try Fixtures.linearImageModel(
            channels: c, size: s, weights: [v.map { $0 / 2 }, v.map { -$0 / 2 }], bias: [bias / 2, -bias / 2]))
        for norm in AttackConfig.Norm.allCases {
            let eps: Float = norm == .linf ? 0.05 : 0.3
            let largestDrop = norm == .linf ? eps * l1 : eps * l2
            // x = 0.5 + t·sign(v) has margin t·‖v‖₁.
            let x = [2, 0.3, -1.5, 0.5].flatMap { (fraction: Float) in
                v.map { 0.5 + fraction * largestDrop / l1 * ($0 > 0 ? 1 : -1) }
            }
            var config = AttackConfig(method: .square, norm: norm, eps: eps)
            config.queries = 400
            let before = counter.images
            let out = try Attacker(model: model, config: config).run(try Tensor(shape: [4, c, s, s], scalars: x), labels: [0, 0, 0, 0])
            XCTAssertEqual(counter.images - before, out.queries.reduce(0, +) + 4)
            XCTAssertEqual(out.queries[0], 400, "\(norm): unbreakable")
            XCTAssertEqual(out.success, [false, true, true, true], "\(norm)")
            XCTAssertEqual(out.queries[2], 1, "\(norm): misclassified at the start")
            for i in 1...3 { XCTAssertEqual(out.queries[i], (out.successStep[i] ?? -2) + 1, "\(norm) sample \(i)") }
        }
    }

    /// Randomness is keyed by (seed, sample id, restart, query): a sample's result does not
    /// depend on the batch it runs in.
    func testResultsDoNotDependOnTheBatch() throws {
        let (c, s) = (1, 6), d = 36
        let weights: [[Float]] = (0..<3).map { k in (0..<d).map { j in Float((k * 5 + j * 3) % 7) / 3 - 1 } }
        let model = try Fixtures.linearImageModel(channels: c, size: s, weights: weights, bias: [1, 0, 0])
        let x = (0..<(3 * d)).map { Float(($0 * 29) % 97) / 96 }
        for norm in AttackConfig.Norm.allCases {
            var config = AttackConfig(method: .square, norm: norm, eps: norm == .linf ? 0.1 : 0.5)
            (config.queries, config.seed) = (200, 4)
            let attacker = try Attacker(model: model, config: config)
            let whole = try attacker.run(try Tensor(shape: [3, c, s, s], scalars: x), labels: [0, 0, 0], sampleIDs: [10, 11, 12])
            for i in 0..<3 {
                let one = try attacker.run(try Tensor(shape: [1, c, s, s], scalars: Array(x[i * d..<(i + 1) * d])),
                                           labels: [0], sampleIDs: [10 + i])
                XCTAssertEqual(one.adversarial.scalars, Array(whole.adversarial.scalars[i * d..<(i + 1) * d]), "\(norm) sample \(i)")
                XCTAssertEqual(one.queries, [whole.queries[i]])
            }
        }
    }

    /// Square never asks for a gradient: on a model whose gradient is zero everywhere (a
    /// step function of the input) it still breaks a sample the gradient attacks cannot move.
    func testBreaksAModelWithoutGradient() throws {
        let model = try Fixtures.steppedModel()
        let images = try Tensor(shape: [1, 1, 4, 4], scalars: [Float](repeating: 0.45, count: 16))
        var pgd = AttackConfig(method: .pgd, eps: 0.1, steps: 20)
        pgd.seed = 1
        XCTAssertEqual(try Attacker(model: model, config: pgd).run(images, labels: [0]).success, [false])
        var square = AttackConfig(method: .square, eps: 0.1)
        square.queries = 500
        XCTAssertEqual(try Attacker(model: model, config: square).run(images, labels: [0]).success, [true])
    }
}
