import LoupeTensor
import LoupeTesting
import XCTest

/// Inverted dropout: mask statistics, determinism and gradients.
final class DropoutTests: XCTestCase {
    let stream = RandomStream(seed: 42, key: [3, 1])

    func testMaskFractionAndExpectation() throws {
        // 100 000 Bernoulli draws: the dropped fraction has σ = √(0.3·0.7/1e5) ≈ 0.0015,
        // and the mean of dropout(ones) has σ ≈ 1/0.7·0.0015 ≈ 0.002; 0.01 is ~5σ.
        let ones = try Tensor.ones([10, 100, 100])
        let y = try ones.dropout(p: 0.3, training: true, stream: stream).scalars
        let dropped = Float(y.filter { $0 == 0 }.count) / Float(y.count)
        XCTAssertEqual(dropped, 0.3, accuracy: 0.01)
        XCTAssertEqual(y.reduce(0, +) / Float(y.count), 1, accuracy: 0.01)
        // Kept values are scaled by exactly 1/(1 − p).
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 1 / (1 - Float(0.3)) })
    }

    func testMaskIsAPureFunctionOfTheStream() throws {
        let x = randomTensor([4, 3, 65, 67], seed: 43)
        let a = try x.dropout(p: 0.5, training: true, stream: stream).scalars
        XCTAssertEqual(try x.dropout(p: 0.5, training: true, stream: stream).scalars, a)
        XCTAssertNotEqual(try x.dropout(p: 0.5, training: true, stream: stream.derived(1)).scalars, a)
        // Element i is kept exactly when the stream's uniform at i is ≥ p, however the work is split.
        for threads in [1, 3] {
            let y = try withThreads(threads) { try x.dropout(p: 0.5, training: true, stream: stream).scalars }
            XCTAssertEqual(y, a)
            let v = x.scalars
            let expected = v.indices.map { stream.uniform(at: UInt64($0)) >= 0.5 ? v[$0] * 2 : 0 }
            XCTAssertEqual(y, expected)
        }
    }

    func testGradientIsTheScaledMask() throws {
        let x = (randomTensor([3, 5, 7], seed: 44).abs() + 0.1).requiringGrad()
        let y = try x.dropout(p: 0.4, training: true, stream: stream)
        let seed = randomTensor([3, 5, 7], seed: 45)
        try y.backward(seed: seed)
        let scale = 1 / (1 - Float(0.4))
        let expected = seed.scalars.indices.map { i in
            stream.uniform(at: UInt64(i)) >= 0.4 ? seed.scalars[i] * scale : 0
        }
        assertClose(x.grad?.scalars ?? [], expected, tol: 1e-6)
        try checkGradients([randomTensor([3, 5, 7], seed: 46)]) {
            try $0[0].dropout(p: 0.25, training: true, stream: self.stream)
        }
    }

    func testIdentityInEvaluationAndAtZeroProbability() throws {
        let x = randomTensor([2, 3, 5], seed: 47).requiringGrad()
        let eval = try x.dropout(p: 0.5, training: false, stream: stream)
        XCTAssertEqual(eval.scalars, x.scalars)
        try eval.sum().backward()
        XCTAssertEqual(x.grad?.scalars, [Float](repeating: 1, count: 30))
        XCTAssertEqual(try x.dropout(p: 0, training: true, stream: stream).scalars, x.scalars)
    }

    func testInvalidProbabilityThrows() {
        let x = randomTensor([4], seed: 48)
        for p: Float in [1, 1.5, -0.1, .nan] {
            XCTAssertThrowsError(try x.dropout(p: p, training: true, stream: stream), "p = \(p)")
            XCTAssertThrowsError(try x.dropout(p: p, training: false, stream: stream), "p = \(p)")
        }
    }
}
