import Foundation
@testable import LoupeVis
import XCTest

/// The probe's classifier against cases solved by hand: unpenalised fits reproduce group
/// frequencies (the MLE of a saturated model), and the L2 penalty's stationarity condition
/// on a symmetric pair, solved here by bisection.
final class LogisticRegressionTests: XCTestCase {
    func testUnpenalisedFitReproducesGroupFrequencies() throws {
        // One binary feature, three classes. With x = 0: labels 0, 0, 1, 2; with x = 1:
        // 0, 1, 2, 2. A saturated model's MLE gives each group its label frequencies.
        let x: [Float] = [0, 0, 0, 0, 1, 1, 1, 1], y = [0, 0, 1, 2, 0, 1, 2, 2]
        let fit = try LogisticRegression(features: x, count: 8, dimensions: 1, labels: y, classes: 3, l2: 0, tolerance: 1e-10)
        XCTAssertTrue(fit.converged)
        let p = try fit.probabilities([0, 1], count: 2)
        for (got, want) in zip(p, [0.5, 0.25, 0.25, 0.25, 0.25, 0.5]) { XCTAssertEqual(got, want, accuracy: 1e-7) }
        // The loss at the optimum is the groups' entropy: −(¼)·Σ log p.
        let entropy = -(2 * log(0.5) + log(0.25) + log(0.25) + log(0.25) + log(0.25) + 2 * log(0.5)) / 8
        XCTAssertEqual(fit.loss, entropy, accuracy: 1e-9)
        XCTAssertEqual(fit.mean, [0.5])
        XCTAssertEqual(fit.scale, [0.5])
    }

    func testL2PenaltyMatchesTheStationaryPoint() throws {
        // x = +1 labelled 1, x = −1 labelled 0 (already standard). By symmetry the biases are
        // equal and w₁ = −w₀ = m/2, so the objective is log(1 + e^−m) + λm²/4, stationary where
        // σ(−m) = λm/2.
        let lambda = 0.1
        var (lo, hi) = (0.0, 50.0)
        for _ in 0..<200 {
            let m = (lo + hi) / 2
            if 1 / (1 + exp(m)) > lambda * m / 2 { lo = m } else { hi = m }
        }
        let margin = (lo + hi) / 2
        let fit = try LogisticRegression(features: [1, -1], count: 2, dimensions: 1, labels: [1, 0], classes: 2, l2: lambda, tolerance: 1e-12)
        XCTAssertTrue(fit.converged)
        XCTAssertEqual(fit.weights[1] - fit.weights[0], margin, accuracy: 1e-8)
        XCTAssertEqual(fit.weights[1], margin / 2, accuracy: 1e-8)
        XCTAssertEqual(fit.bias[1] - fit.bias[0], 0, accuracy: 1e-8)
        XCTAssertEqual(fit.direction(from: 0, to: 1)[0], margin, accuracy: 1e-8)
        let p = try fit.probabilities([1], count: 1)
        XCTAssertEqual(p[1], 1 / (1 + exp(-margin)), accuracy: 1e-8)
    }

    func testDirectionIsInRawUnits() throws {
        // Feature 0 is the label scaled by 10, feature 1 constant: the raw-unit normal is the
        // standardized weight divided by the feature's spread (5), and 0 on the constant one.
        let x: [Float] = [0, 3, 10, 3, 0, 3, 10, 3]
        let fit = try LogisticRegression(features: x, count: 4, dimensions: 2, labels: [0, 1, 0, 1], classes: 2, l2: 0.5)
        let d = fit.direction(from: 0, to: 1)
        XCTAssertEqual(d[0], (fit.weights[2 * 0 + 1] - fit.weights[0]) / 5, accuracy: 1e-12)
        XCTAssertGreaterThan(d[0], 0)
        XCTAssertEqual(d[1], 0, accuracy: 1e-12)
        XCTAssertEqual(try fit.accuracy(x, count: 4, labels: [0, 1, 0, 1]), 1)
    }

    func testRefusesBadInput() {
        XCTAssertThrowsError(try LogisticRegression(features: [1, 2], count: 2, dimensions: 1, labels: [0, 3], classes: 2, l2: 0))
        XCTAssertThrowsError(try LogisticRegression(features: [1, 2, 3], count: 2, dimensions: 1, labels: [0, 1], classes: 2, l2: 0))
        XCTAssertThrowsError(try LogisticRegression(features: [1, 2], count: 2, dimensions: 1, labels: [0, 1], classes: 2, l2: -1))
    }
}
