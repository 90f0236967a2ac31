import Foundation
import LoupeTensor
import LoupeTesting
import XCTest

/// The two terms of a VAE's loss: Bernoulli cross-entropy from logits and the Gaussian
/// KL to N(0, I), against hand-computed values and finite differences.
final class GenerativeLossTests: XCTestCase {
    func testBinaryCrossEntropyOnHandValues() throws {
        // softplus(l) − t·l: log 2 = 0.693147; log(1 + e²) − 2 = 0.126928; log(1 + e⁻³) = 0.048587.
        let logits = try Tensor(shape: [3], scalars: [0, 2, -3])
        let targets = try Tensor(shape: [3], scalars: [0.5, 1, 0])
        XCTAssertEqual(try logits.binaryCrossEntropySum(logitsAgainst: targets).item, 0.868662, accuracy: 1e-5)
    }

    func testBinaryCrossEntropyDoesNotOverflow() throws {
        // A confident right logit costs nothing; a confident wrong one costs the logit itself.
        let logits = try Tensor(shape: [2], scalars: [100, -100])
        let targets = try Tensor(shape: [2], scalars: [1, 1])
        XCTAssertEqual(try logits.binaryCrossEntropySum(logitsAgainst: targets).item, 100, accuracy: 1e-4)
        XCTAssertThrowsError(try logits.binaryCrossEntropySum(logitsAgainst: Tensor(shape: [3], scalars: [0, 0, 0])))
    }

    func testBinaryCrossEntropyGradient() throws {
        let targets = try Tensor.randomUniform([2, 1, 3, 3], stream: RandomStream(seed: 3))
        try checkGradients([randomTensor([2, 1, 3, 3], seed: 1, scale: 2)]) {
            try $0[0].binaryCrossEntropySum(logitsAgainst: targets)
        }
    }

    func testGaussianKLOnHandValues() throws {
        // ½[(0 + 1 − 1 − 0) + (1 + 2 − 1 − ln 2)] = ½(2 − ln 2).
        let mu = try Tensor(shape: [1, 2], scalars: [0, 1])
        let logVariance = try Tensor(shape: [1, 2], scalars: [0, Float(log(2.0))])
        XCTAssertEqual(try mu.gaussianKLSum(logVariance: logVariance).item, Float(0.5 * (2 - log(2.0))), accuracy: 1e-6)
        // The prior itself is at distance 0.
        XCTAssertEqual(try Tensor.zeros([4, 3]).gaussianKLSum(logVariance: Tensor.zeros([4, 3])).item, 0)
    }

    func testGaussianKLMatchesTheIntegralNumerically() throws {
        // KL(N(μ, σ²) ‖ N(0, 1)) = ∫ q log(q/p), by the midpoint rule over ±12σ around μ.
        let (m, s) = (0.7, 0.4)
        var integral = 0.0
        let steps = 200_000, lo = m - 12 * s, h = 24 * s / Double(steps)
        for i in 0..<steps {
            let x = lo + (Double(i) + 0.5) * h
            let logQ = -0.5 * log(2 * Double.pi * s * s) - (x - m) * (x - m) / (2 * s * s)
            let logP = -0.5 * log(2 * Double.pi) - x * x / 2
            integral += exp(logQ) * (logQ - logP) * h
        }
        let kl = try Tensor(shape: [1], scalars: [Float(m)]).gaussianKLSum(logVariance: Tensor(shape: [1], scalars: [Float(log(s * s))]))
        XCTAssertEqual(Double(try kl.item), integral, accuracy: 1e-5)
    }

    func testGaussianKLGradient() throws {
        try checkGradients([randomTensor([3, 4], seed: 5), randomTensor([3, 4], seed: 6, scale: 0.5)]) {
            try $0[0].gaussianKLSum(logVariance: $0[1])
        }
    }
}
