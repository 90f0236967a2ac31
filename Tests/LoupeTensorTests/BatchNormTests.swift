import LoupeTensor
import LoupeTesting
import XCTest

/// Batch norm in inference (running statistics) and training (batch statistics).
final class BatchNormTests: XCTestCase {
    let weight = randomTensor([3], seed: 21) + 1.5
    let bias = randomTensor([3], seed: 22)
    let runningMean = randomTensor([3], seed: 23)
    let runningVariance = randomTensor([3], seed: 24).abs() + 0.3

    // MARK: inference

    func testInferenceKnownValuesWithAZeroVarianceChannel() throws {
        // x = [[1, 2], [3, 4]] as [N=2, C=2]; mean [1, 2], variance [4, 0], weight [2, 1], bias [0.5, −1].
        // Channel 0: (1 − 1)/√4·2 + 0.5 = 0.5 and (3 − 1)/√(4 + 1e-5)·2 + 0.5 ≈ 2.4999975.
        // Channel 1 (variance 0, eps inside the root): (2 − 2)/√1e-5 − 1 = −1 and 2/√1e-5 − 1 ≈ 631.4555.
        let x = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let y = try x.batchNorm(mean: Tensor([1, 2]), variance: Tensor([4, 0]),
                                weight: Tensor([2, 1]), bias: Tensor([0.5, -1]))
        XCTAssertTrue(y.scalars.allSatisfy(\.isFinite))
        assertClose(y.scalars, [0.5, -1, 2.4999975, 631.4555], tol: 1e-5)
    }

    func testInferenceOnNCHWMatchesPerElementFormula() throws {
        let x = randomTensor([2, 3, 5, 7], seed: 25)
        let y = try x.batchNorm(mean: runningMean, variance: runningVariance, weight: weight, bias: bias, eps: 1e-3)
        let (v, m, s, w, b) = (x.scalars, runningMean.scalars, runningVariance.scalars, weight.scalars, bias.scalars)
        let expected = v.indices.map { i -> Float in
            let c = (i / 35) % 3
            return (v[i] - m[c]) / (s[c] + 1e-3).squareRoot() * w[c] + b[c]
        }
        assertClose(y.scalars, expected, tol: 1e-5)
        // No weight and no bias: plain standardization.
        let plain = try x.batchNorm(mean: runningMean, variance: runningVariance, weight: nil, bias: nil)
        assertClose(plain.scalars, v.indices.map { i in
            let c = (i / 35) % 3
            return (v[i] - m[c]) / (s[c] + 1e-5).squareRoot()
        }, tol: 1e-5)
    }

    func testInferenceGradients() throws {
        let x = randomTensor([2, 3, 5, 7], seed: 26)
        try checkGradients([x, weight, bias]) {
            try $0[0].batchNorm(mean: self.runningMean, variance: self.runningVariance, weight: $0[1], bias: $0[2])
        }
        try checkGradients([randomTensor([5, 3], seed: 27), weight]) {
            try $0[0].batchNorm(mean: self.runningMean, variance: self.runningVariance, weight: $0[1], bias: nil)
        }
        try checkGradients([randomTensor([3, 3, 4], seed: 28), bias]) {
            try $0[0].batchNorm(mean: self.runningMean, variance: self.runningVariance, weight: nil, bias: $0[1])
        }
    }

    func testFrozenParametersCostNoWeightGradient() throws {
        let x = randomTensor([2, 3, 5, 7], seed: 29).requiringGrad()
        let counter = KernelCounter()
        try withKernelPolicy({ $0.counter = counter }) {
            let frozen = try x.batchNorm(mean: runningMean, variance: runningVariance, weight: weight, bias: bias)
            try frozen.sum().backward()
        }
        XCTAssertEqual(counter.weightGradients, 0)
        XCTAssertNotNil(x.grad)

        let (w, b) = (weight.requiringGrad(), bias.requiringGrad())
        try withKernelPolicy({ $0.counter = counter }) {
            let trained = try x.batchNorm(mean: runningMean, variance: runningVariance, weight: w, bias: b)
            try trained.sum().backward()
        }
        XCTAssertEqual(counter.weightGradients, 2)
        // d Σy / d bias = number of positions per channel; d Σy / d weight = Σ x̂.
        assertClose(b.grad?.scalars ?? [], [70, 70, 70])

        let trainingCounter = KernelCounter()
        try withKernelPolicy({ $0.counter = trainingCounter }) {
            let training = try x.batchNormTraining(weight: weight, bias: bias).output
            try training.sum().backward()
        }
        XCTAssertEqual(trainingCounter.weightGradients, 0)
    }

    func testInvalidArgumentsThrow() throws {
        let x = randomTensor([2, 3, 4], seed: 30)
        XCTAssertThrowsError(try x.batchNorm(mean: Tensor([0, 0]), variance: runningVariance, weight: nil, bias: nil))
        XCTAssertThrowsError(try x.batchNorm(mean: runningMean, variance: runningVariance, weight: Tensor([1]), bias: nil))
        XCTAssertThrowsError(try x.batchNorm(mean: runningMean, variance: Tensor([1, 0, 1]), weight: nil, bias: nil, eps: 0))
        XCTAssertThrowsError(try Tensor([1, 2, 3]).batchNorm(mean: runningMean, variance: runningVariance, weight: nil, bias: nil))
        // One value per channel has no variance (PyTorch refuses too).
        XCTAssertThrowsError(try randomTensor([1, 3], seed: 31).batchNormTraining(weight: nil, bias: nil))
    }

    // MARK: training

    func testTrainingStatisticsByHand() throws {
        // [N=2, C=2, 2]: channel 0 holds 1, 3 | 5, 7 and channel 1 holds 2, 2 | 2, 2.
        // Channel 0: mean 4, squared deviations 9+1+1+9 = 20, biased variance 20/4 = 5, unbiased 20/3.
        //   x̂ = (x − 4)/√(5 + 1e-5) = ∓1.3416394, ∓0.4472131.
        // Channel 1: mean 2, variance 0: x̂ = 0/√1e-5 = 0, finite; output = bias 0.5.
        let x = try Tensor(shape: [2, 2, 2], scalars: [1, 3, 2, 2, 5, 7, 2, 2])
        let (y, mean, unbiased) = try x.batchNormTraining(weight: Tensor([2, 1]), bias: Tensor([0, 0.5]))
        assertClose(mean.scalars, [4, 2])
        assertClose(unbiased.scalars, [20.0 / 3, 0])
        let a: Float = 2 * 3 / (5 + 1e-5 as Float).squareRoot(), b: Float = 2 * 1 / (5 + 1e-5 as Float).squareRoot()
        assertClose(y.scalars, [-a, -b, 0.5, 0.5, b, a, 0.5, 0.5], tol: 1e-5)
        XCTAssertNil(mean.node)
        XCTAssertNil(unbiased.node)
    }

    func testTrainingNormalizesEachChannel() throws {
        let x = randomTensor([3, 3, 5, 3], seed: 32, scale: 3) + 2
        let y = try x.batchNormTraining(weight: nil, bias: nil, eps: 0).output.scalars
        for c in 0..<3 {
            var values: [Float] = []
            for n in 0..<3 {
                let run = (n * 3 + c) * 15
                values += y[run..<(run + 15)]
            }
            let mean: Float = values.reduce(0, +) / Float(values.count)
            let squares: [Float] = values.map { ($0 - mean) * ($0 - mean) }
            let variance: Float = squares.reduce(0, +) / Float(values.count)
            XCTAssertEqual(mean, 0, accuracy: 1e-5)
            XCTAssertEqual(variance, 1, accuracy: 1e-4)
        }
    }

    func testTrainingGradients() throws {
        let x = randomTensor([3, 3, 5, 3], seed: 33)
        try checkGradients([x, weight, bias]) { try $0[0].batchNormTraining(weight: $0[1], bias: $0[2]).output }
        try checkGradients([randomTensor([5, 3], seed: 34), weight]) {
            try $0[0].batchNormTraining(weight: $0[1], bias: nil).output
        }
        try checkGradients([randomTensor([2, 3, 7], seed: 35)]) {
            try $0[0].batchNormTraining(weight: nil, bias: nil, eps: 1e-3).output
        }
    }

    func testRunningStatisticUpdate() throws {
        // (1 − 0.1)·[1, 2] + 0.1·[3, 6] = [1.2, 2.4]
        let updated = try Tensor.updateRunningStatistic(Tensor([1, 2]), batch: Tensor([3, 6]), momentum: 0.1)
        assertClose(updated.scalars, [1.2, 2.4], tol: 1e-6)
        XCTAssertThrowsError(try Tensor.updateRunningStatistic(Tensor([1, 2]), batch: Tensor([3]), momentum: 0.1))
        XCTAssertThrowsError(try Tensor.updateRunningStatistic(Tensor([1]), batch: Tensor([3]), momentum: 1.5))

        // One training step of a BatchNorm module: running mean/variance move toward the batch's.
        let x = try Tensor(shape: [2, 2, 2], scalars: [1, 3, 2, 2, 5, 7, 2, 2])
        let stats = try x.batchNormTraining(weight: nil, bias: nil)
        let mean = try Tensor.updateRunningStatistic(Tensor([0, 0]), batch: stats.mean, momentum: 0.1)
        let variance = try Tensor.updateRunningStatistic(Tensor([1, 1]), batch: stats.unbiasedVariance, momentum: 0.1)
        assertClose(mean.scalars, [0.4, 0.2], tol: 1e-6)
        assertClose(variance.scalars, [0.9 + 2.0 / 3, 0.9], tol: 1e-6)
    }
}
