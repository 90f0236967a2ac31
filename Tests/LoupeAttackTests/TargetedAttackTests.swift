@testable import LoupeAttack
import LoupeNN
import LoupeTensor
import XCTest

/// APGD-T and FAB-T: each restart aimed at one of the likeliest wrong classes, FAB's
/// perturbation as small as the geometry allows.
final class TargetedAttackTests: XCTestCase {
    /// Five classes on 8-pixel images at x0 = 0.5, L∞ budget 0.1. Class 0 has a constant
    /// logit 1. The wrong classes' clean logits rank 1 (0.9), 2 (0.85), 3 (0.8), 4 (0.7),
    /// but within the budget class 1 reaches only 0.95, class 2 0.9, class 4 0.75, while
    /// class 3, reading five pixels at weight 0.5, reaches 0.8 + 5·0.5·0.1 = 1.05 > 1: only
    /// the third likeliest wrong class can be reached.
    static func thirdClassOnly() throws -> Model {
        func unit(_ j: Int) -> [Float] { (0..<8).map { $0 == j ? 0.5 : 0 } }
        let w3: [Float] = (0..<8).map { $0 >= 3 ? 0.5 : 0 }
        let weights: [[Float]] = [[Float](repeating: 0, count: 8), unit(0), unit(2), w3, unit(1)]
        let bias: [Float] = [1, 0.9 - 0.25, 0.85 - 0.25, 0.8 - 1.25, 0.7 - 0.25]
        return try Fixtures.linearModel(weights: weights, bias: bias)
    }

    func testTargetsAreTheLikeliestWrongClasses() throws {
        let model = try Self.thirdClassOnly()
        let images = try Tensor(shape: [2, 8, 1, 1], scalars: [Float](repeating: 0.5, count: 16))
        for (k, expected) in [(9, [1, 2, 3, 4]), (2, [1, 2]), (1, [1])] {
            var config = AttackConfig(method: .apgdT, eps: 0.1)
            config.targetClasses = k
            let driver = AttackDriver(model: model, config: config)
            // Sample 1's label is 2: its wrong classes are 0 (1.0), 1, 3, 4.
            let batch = try driver.batch(images, labels: [0, 2], targets: nil, sampleIDs: nil)
            XCTAssertEqual(try driver.likelyWrongClasses(batch), [expected, Array([0, 1, 3, 4].prefix(k))])
            let plans = try driver.restarts(batch)
            XCTAssertEqual(plans.map(\.restart), Array(0..<min(k, 4)), "one restart per target class")
            XCTAssertEqual(plans.map { $0.lossTargets?[0] }, expected.map { $0 })
        }
        // With an explicit target there is nothing to choose: plain restarts.
        let driver = AttackDriver(model: model, config: AttackConfig(method: .apgdT, eps: 0.1))
        let batch = try driver.batch(images, labels: [0, 2], targets: [3, 3], sampleIDs: nil)
        XCTAssertEqual(try driver.restarts(batch).map(\.restart), [0])
        XCTAssertNil(try driver.restarts(batch)[0].lossTargets)
    }

    /// APGD-T succeeds exactly when the reachable class is among its targets, and then the
    /// adversarial image is classified as that class; an explicit target is reached too.
    func testAPGDTBreaksThroughTheReachableTarget() throws {
        let model = try Self.thirdClassOnly()
        let images = try Tensor(shape: [1, 8, 1, 1], scalars: [Float](repeating: 0.5, count: 8))
        for k in 1...4 {
            var config = AttackConfig(method: .apgdT, eps: 0.1, steps: 30)
            config.targetClasses = k
            let out = try Attacker(model: model, config: config).run(images, labels: [0])
            XCTAssertEqual(out.success, [k >= 3], "\(k) target classes")
            if k >= 3 { XCTAssertEqual(out.predictions, [3]) }
        }
        let out = try Attacker(model: model, config: AttackConfig(method: .apgdT, eps: 0.1, steps: 30))
            .run(images, labels: [0], targets: [3])
        XCTAssertEqual(out.success, [true])
        XCTAssertEqual(out.predictions, [3])
        // Half the budget is not enough for anyone: 0.8 + 5·0.5·0.05 = 0.925 < 1.
        let short = try Attacker(model: model, config: AttackConfig(method: .apgdT, eps: 0.05, steps: 30)).run(images, labels: [0])
        XCTAssertEqual(short.success, [false])
    }

    /// The smallest L∞ and L2 change that makes a class t overtake the true class y of a
    /// linear model, away from the box, is (z_y − z_t)/‖w_y − w_t‖ in the dual norm (L1 for
    /// L∞, L2 for L2); nothing smaller misclassifies. Four classes at x0 = 0.5 are placed so
    /// class 2 is nearest; FAB-T must never go below the minimum. On a linear model every
    /// iterate lies on the optimal line x0 + r·δ*, so its sizes follow by hand (ratios r to
    /// the minimum): the first step from x0 (δ₁ = δ₂, α = min(½, α_max)) lands at η = 1.05;
    /// the back-off to β·1.05 = 0.945 gives ‖δ₁‖ = 0.055, α = 0.055/1.055 and
    /// r = (0.945 + 1.05·0.055)(1 − α) + 1.05·α = 1.005217; later cycles land at
    /// 1.0084–1.0087, never below it, so 1.005217 is what FAB returns.
    func testFABFindsTheMinimalPerturbation() throws {
        let d = 10
        let base = (0..<d).map { j -> Float in Float((j * 7) % 5) / 4 - 0.5 }
        let weights: [[Float]] = [base, base.map { $0 * -0.3 }, base.enumerated().map { j, v in j % 2 == 0 ? -v : 0.2 * v },
                                  base.map { $0 * 0.8 }]
        let bias: [Float] = [0.6, 0.1, 0.3, 0.2]
        let model = try Fixtures.linearModel(weights: weights, bias: bias)
        let x0 = [Float](repeating: 0.5, count: d)
        let z = weights.indices.map { k in zip(weights[k], x0).map { $0 * $1 }.reduce(0, +) + bias[k] }
        XCTAssertEqual(z.indices.max { z[$0] < z[$1] }, 0)
        let images = try Tensor(shape: [1, d, 1, 1], scalars: x0)
        for norm in AttackConfig.Norm.allCases {
            let distance = (1..<4).map { t -> Float in
                let w = zip(weights[0], weights[t]).map { $0 - $1 }
                let dual = norm == .linf ? w.map { Swift.abs($0) }.reduce(0, +) : w.map { $0 * $0 }.reduce(0, +).squareRoot()
                return (z[0] - z[t]) / dual
            }
            let minimal = distance.min() ?? 0
            XCTAssertEqual(distance.firstIndex(of: minimal), 1, "class 2 is the nearest")
            XCTAssertLessThan(minimal * 1.05, 0.3, "the minimal perturbation stays away from the box")
            var config = AttackConfig(method: .fabT, norm: norm, eps: 1, steps: 20)
            config.earlyStop = false
            let out = try Attacker(model: model, config: config).run(images, labels: [0])
            XCTAssertEqual(out.success, [true], "\(norm)")
            let s = try Perturbation.stats(out.adversarial, origin: images)[0]
            let size = norm == .linf ? s.linf : s.l2
            XCTAssertGreaterThanOrEqual(size, minimal * (1 - 1e-5), "\(norm)")
            XCTAssertEqual(size / minimal, 1.005217, accuracy: 1e-4, "\(norm)")
            // Within a budget just under the minimum there is nothing to find: the clean image.
            var tight = config
            tight.eps = minimal * 0.99
            let none = try Attacker(model: model, config: tight).run(images, labels: [0])
            XCTAssertEqual(none.success, [false])
            XCTAssertEqual(none.adversarial.scalars, x0)
        }
    }

    /// FAB-T reaches an explicit target when it is reachable, and untargeted it breaks the
    /// planted model only when the reachable class is among its targets, like APGD-T.
    func testFABTTargets() throws {
        let model = try Self.thirdClassOnly()
        let images = try Tensor(shape: [1, 8, 1, 1], scalars: [Float](repeating: 0.5, count: 8))
        for norm in AttackConfig.Norm.allCases {
            // L2 distances to the boundaries: class 3 0.2/‖(0.5)×5‖₂ ≈ 0.179, class 1 0.1/0.5 = 0.2.
            let eps: Float = norm == .linf ? 0.1 : 0.19
            for k in [2, 3] {
                var config = AttackConfig(method: .fabT, norm: norm, eps: eps, steps: 20)
                config.targetClasses = k
                let out = try Attacker(model: model, config: config).run(images, labels: [0])
                XCTAssertEqual(out.success, [k >= 3], "\(norm), \(k) target classes")
            }
            let out = try Attacker(model: model, config: AttackConfig(method: .fabT, norm: norm, eps: eps, steps: 20))
                .run(images, labels: [0], targets: [3])
            XCTAssertEqual(out.predictions, [3], "\(norm)")
        }
    }

    /// The projection onto ⟨w, z⟩ = ⟨w, p⟩ + c within [0, 1]^d, checked against
    /// independent conditions on random instances: it lands on the plane; for L∞ no
    /// smaller box-feasible change can reach it (the most progress within a radius r is
    /// Σ|w_i|·min(r, room_i), found here by bisection); for L2 it has the KKT form
    /// δ = clip(λw) to the box. Out of reach, every coordinate sits at the box edge.
    func testBoxedHyperplaneProjection() {
        // By hand: p = (0.5, 0.9), w = (1, 1), c = 0.4. L∞: both move up by t with the second
        // capped at 0.1: t + 0.1 = 0.4 → t = 0.3. L2: λ·1 and min(λ, 0.1): λ = 0.3 as well.
        for norm in AttackConfig.Norm.allCases {
            let delta = BoxedHyperplaneProjection.delta(from: [0.5, 0.9], normal: [1, 1], offset: 0.4, norm: norm)
            XCTAssertEqual(delta[0], 0.3, accuracy: 1e-6)
            XCTAssertEqual(delta[1], 0.1, accuracy: 1e-6)
        }
        // Out of reach: c = 5 with w = (1, −1): the first goes to 1, the second to 0.
        for norm in AttackConfig.Norm.allCases {
            let edge = BoxedHyperplaneProjection.delta(from: [0.5, 0.9], normal: [1, -1], offset: 5, norm: norm)
            XCTAssertEqual(edge[0], 0.5, accuracy: 1e-6)
            XCTAssertEqual(edge[1], -0.9, accuracy: 1e-6)
        }

        for trial in 0..<200 {
            let stream = RandomStream(seed: 5, key: [UInt64(trial)])
            let d = 2 + trial % 9
            let p = (0..<d).map { stream.uniform(at: UInt64($0)) }
            let w = (0..<d).map { j -> Float in j % 4 == 3 ? 0 : 2 * stream.uniform(at: UInt64(100 + j)) - 1 }
            let up = stream.uniform(at: 998) < 0.5
            // Each coordinate's room toward the plane: up where sign(c·w) > 0, else down.
            let room = zip(p, w).map { pi, wi in (wi > 0) == up ? 1 - pi : pi }
            let reach = zip(w, room).map { Swift.abs($0) * $1 }.reduce(0, +)
            let c = (up ? 1 : -1) * stream.uniform(at: 999) * reach * 0.9
            for norm in AttackConfig.Norm.allCases {
                let delta = BoxedHyperplaneProjection.delta(from: p[...], normal: w[...], offset: c, norm: norm)
                XCTAssertEqual(zip(w, delta).map { $0 * $1 }.reduce(0, +), c, accuracy: 1e-4, "trial \(trial) \(norm)")
                for j in 0..<d {
                    XCTAssertGreaterThanOrEqual(p[j] + delta[j], -1e-6)
                    XCTAssertLessThanOrEqual(p[j] + delta[j], 1 + 1e-6)
                }
                switch norm {
                case .linf:
                    func progress(_ r: Float) -> Float { zip(w, room).map { Swift.abs($0) * min(r, $1) }.reduce(0, +) }
                    var (lo, hi): (Float, Float) = (0, 1)
                    for _ in 0..<60 { let mid = (lo + hi) / 2; if progress(mid) >= Swift.abs(c) { hi = mid } else { lo = mid } }
                    XCTAssertEqual(delta.map { Swift.abs($0) }.max() ?? 0, hi, accuracy: 1e-5, "trial \(trial)")
                case .l2:
                    // λ from the coordinate with the largest |w| that is not at its cap.
                    let free = (0..<d).filter { w[$0] != 0 && Swift.abs(delta[$0]) < room[$0] - 1e-6 }
                    guard let j = free.max(by: { Swift.abs(w[$0]) < Swift.abs(w[$1]) }) else { continue }
                    let lambda = delta[j] / w[j]
                    for i in 0..<d {
                        let expected = min(max(lambda * w[i], -p[i]), 1 - p[i])
                        XCTAssertEqual(delta[i], expected, accuracy: 1e-5, "trial \(trial) coordinate \(i)")
                    }
                }
            }
        }
    }
}
