import Foundation
import LoupeAttack
import LoupeNN
import LoupeTensor
import XCTest

/// Adversarial training's inner maximization, checked against Madry et al.'s PGD written
/// out with plain loops on a linear model, whose cross-entropy gradient is known in closed
/// form: ∂L/∂x = Σ_c (softmax(Wx + b)_c − 1[c = y]) · W_c.
final class AdversarialTrainingTests: XCTestCase {
    let weights: [[Float]] = [[0.9, -0.4, 0.3, -1.2, 0.5, 0.2], [-0.6, 1.1, -0.8, 0.4, -0.3, 0.7], [0.2, -0.9, 1.0, 0.6, -1.1, -0.5]]
    let bias: [Float] = [0.1, -0.2, 0.05]

    /// sign(∂L/∂x) of one sample, from the closed form in Double.
    func gradientSign(_ x: ArraySlice<Float>, label: Int) -> [Float] {
        let z = weights.indices.map { c in zip(weights[c], x).reduce(Double(bias[c])) { $0 + Double($1.0) * Double($1.1) } }
        let top = z.max() ?? 0
        let e = z.map { Foundation.exp($0 - top) }
        let p = e.map { $0 / e.reduce(0, +) }
        return (0..<x.count).map { j in
            let g = weights.indices.reduce(0.0) { $0 + (p[$1] - ($1 == label ? 1 : 0)) * Double(weights[$1][j]) }
            return g > 0 ? 1 : (g < 0 ? -1 : 0)
        }
    }

    /// Random start x0 + ε(2u − 1) with u from `stream.derived(i)`, then `steps` steps
    /// x ← clip(x + α·sign ∇, max(x0 − ε, 0), min(x0 + ε, 1)); the last iterate is returned.
    func expected(_ x0: [Float], labels: [Int], eps: Float, alpha: Float, steps: Int, randomStart: Bool,
                  stream: RandomStream) -> [Float] {
        let d = weights[0].count
        var x = x0
        func clip(_ j: Int) { x[j] = min(max(x[j], max(x0[j] - eps, 0)), min(x0[j] + eps, 1)) }
        for i in labels.indices where randomStart {
            let s = stream.derived(UInt64(i))
            for k in 0..<d {
                x[i * d + k] = x0[i * d + k] + eps * (2 * s.uniform(at: UInt64(k)) - 1)
                clip(i * d + k)
            }
        }
        for _ in 0..<steps {
            // Every sample's gradient is taken at the same iterate, as in one batched backward pass.
            let signs = labels.indices.map { gradientSign(x[$0 * d..<($0 + 1) * d], label: labels[$0]) }
            for i in labels.indices {
                for k in 0..<d {
                    x[i * d + k] += alpha * signs[i][k]
                    clip(i * d + k)
                }
            }
        }
        return x
    }

    func testLeanPGDIsMadrysLoop() throws {
        let model = try Fixtures.linearModel(weights: weights, bias: bias)
        let x0: [Float] = [0.5, 0.02, 0.97, 0.5, 0.99, 0.3, 0.1, 0.8, 0.45, 0.6, 0.0, 1.0, 0.33, 0.66, 0.5, 0.25, 0.75, 0.9]
        let labels = [0, 1, 2]
        let images = try Tensor(shape: [3, 6, 1, 1], scalars: x0)
        let stream = RandomStream(seed: 12, key: [3])
        for (eps, alpha, steps) in [(Float(0.1), Float(0.03), 5), (0.05, 0.02, 1)] {
            let pgd = try AdversarialTraining(method: .pgd, eps: eps, alpha: alpha, steps: steps)
            let got = try pgd.perturb(model: model, images: images, labels: labels, stream: stream).scalars
            XCTAssertEqual(got, expected(x0, labels: labels, eps: eps, alpha: alpha, steps: steps, randomStart: true, stream: stream),
                           "ε \(eps) α \(alpha) \(steps) steps")
            let fixed = try AdversarialTraining(method: .pgd, eps: eps, alpha: alpha, steps: steps, randomStart: false)
            XCTAssertEqual(try fixed.perturb(model: model, images: images, labels: labels, stream: stream).scalars,
                           expected(x0, labels: labels, eps: eps, alpha: alpha, steps: steps, randomStart: false, stream: stream))
        }
        // FGSM without a random start: one step of ε from the clean image, whatever α and steps say.
        let fgsm = try AdversarialTraining(method: .fgsm, eps: 0.07, alpha: 0.01, steps: 9, randomStart: false)
        XCTAssertEqual(try fgsm.perturb(model: model, images: images, labels: labels, stream: stream).scalars,
                       expected(x0, labels: labels, eps: 0.07, alpha: 0.07, steps: 1, randomStart: false, stream: stream))
        // Wong et al. 2020's fast adversarial training: a uniform start in the ball, then one
        // step of α = 1.25ε (or the α given), projected; the sidecar records what ran.
        let fast = try AdversarialTraining(method: .fgsm, eps: 0.08, steps: 9)
        let wong: Float = 1.25 * 0.08
        XCTAssertEqual(try fast.perturb(model: model, images: images, labels: labels, stream: stream).scalars,
                       expected(x0, labels: labels, eps: 0.08, alpha: wong, steps: 1, randomStart: true, stream: stream))
        XCTAssertEqual(fast.info, .init(method: "fgsm", eps: 0.08, alpha: wong, steps: 1, randomStart: true))
        let slower = try AdversarialTraining(method: .fgsm, eps: 0.08, alpha: 0.02)
        XCTAssertEqual(try slower.perturb(model: model, images: images, labels: labels, stream: stream).scalars,
                       expected(x0, labels: labels, eps: 0.08, alpha: 0.02, steps: 1, randomStart: true, stream: stream))
        // The settings' defaults: α 0.01 for PGD, 1.25ε for FGSM.
        XCTAssertEqual(try TrainSettings.Adversarial(method: .pgd).training().config.stepSize, 0.01)
        XCTAssertEqual(try TrainSettings.Adversarial(method: .fgsm).training().config.stepSize, 0.125)
    }

    /// Only the methods that declare themselves trainable are accepted.
    func testOnlyTrainableMethods() {
        for m in AttackConfig.Method.allCases {
            if m == .pgd || m == .fgsm {
                XCTAssertNoThrow(try AdversarialTraining(method: m, eps: 0.1), "\(m)")
            } else {
                XCTAssertThrowsError(try AdversarialTraining(method: m, eps: 0.1), "\(m)")
            }
        }
    }
}
