import LoupeTensor
import LoupeTesting
@testable import LoupeNN
import XCTest

/// Optimizer steps against values worked out by hand from PyTorch's update rules.
final class OptimizerTests: XCTestCase {
    /// One parameter with a fixed gradient set before each step.
    func parameter(_ values: [Float]) -> Parameter {
        Parameter(Tensor(values).requiringGrad())
    }

    func setGradient(_ p: Parameter, _ g: [Float]) throws {
        p.value.zeroGrad()
        try (p.value * Tensor(g)).sum().backward()
    }

    func testSGDWithMomentumAndWeightDecay() throws {
        let p = parameter([1, -2])
        let sgd = SGD([p], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        try setGradient(p, [0.5, 0.1])
        try sgd.step()
        // d = g + wd·w = [0.51, 0.08]; buffer = d; w −= lr·d.
        assertClose(p.value.scalars, [0.949, -2.008], tol: 1e-6)
        try setGradient(p, [0.5, 0.1])
        try sgd.step()
        // d = [0.50949, 0.07992]; buffer = 0.9·[0.51, 0.08] + d = [0.96849, 0.15192].
        assertClose(p.value.scalars, [0.852151, -2.023192], tol: 1e-6)
    }

    func testSGDNesterovAndPlain() throws {
        let p = parameter([1]), q = parameter([1])
        let nesterov = SGD([p], learningRate: 0.1, momentum: 0.5, nesterov: true)
        let plain = SGD([q], learningRate: 0.1)
        for _ in 0..<2 {
            try setGradient(p, [1]); try nesterov.step()
            try setGradient(q, [1]); try plain.step()
        }
        // Nesterov: step 1 buffer 1, d = 1 + 0.5·1 = 1.5; step 2 buffer 1.5, d = 1 + 0.75 = 1.75.
        assertClose(p.value.scalars, [1 - 0.15 - 0.175], tol: 1e-6)
        assertClose(q.value.scalars, [0.8], tol: 1e-6)
    }

    func testAdamBiasCorrection() throws {
        let p = parameter([1])
        let adam = Adam([p], learningRate: 0.1)
        // Bias correction makes the first step exactly lr·sign(g); without it the step
        // would be lr·0.05/√0.00025 ≈ 0.316.
        let expected: [Float] = [0.900000002, 0.9366103542405654, 0.9502794203389762]
        for (g, w) in zip([Float(0.5), -1, 0.25], expected) {
            try setGradient(p, [g])
            try adam.step()
            XCTAssertEqual(p.value.scalars[0], w, accuracy: 1e-6)
        }
    }

    func testAdamWeightDecayIsAddedToTheGradient() throws {
        let p = parameter([1])
        let adam = Adam([p], learningRate: 0.1, weightDecay: 0.1)
        for (g, w) in zip([Float(0.5), -1], [Float(0.9000000016666666), 0.9252635194456061]) {
            try setGradient(p, [g])
            try adam.step()
            XCTAssertEqual(p.value.scalars[0], w, accuracy: 1e-6)
        }
    }

    func testParametersWithoutGradientAreLeftAlone() throws {
        let p = parameter([3]), q = parameter([4])
        let adam = Adam([p, q], learningRate: 0.1)
        try setGradient(p, [1])
        try adam.step()
        XCTAssertEqual(q.value.scalars, [4])
        XCTAssertEqual(p.value.scalars[0], 2.9, accuracy: 1e-6)
    }

    /// Saving and restoring the state continues the same trajectory bit for bit.
    func testOptimizerStateRoundTrip() throws {
        for make in [{ (p: Parameter) -> Optimizer in Adam([p], learningRate: 0.05) },
                     { (p: Parameter) -> Optimizer in SGD([p], learningRate: 0.05, momentum: 0.9) }] {
            let a = parameter([1, 2, 3])
            let optA = make(a)
            let grads: [[Float]] = [[0.3, -0.2, 1], [0.1, 0.4, -0.5], [-1, 0.25, 0.5]]
            for g in grads { try setGradient(a, g); try optA.step() }

            let b = parameter([1, 2, 3])
            let optB = make(b)
            try setGradient(b, grads[0]); try optB.step()
            let saved = optB.state(), savedWeights = b.value.scalars
            let c = parameter(savedWeights)
            let optC = make(c)
            try optC.load(state: saved)
            for g in grads.dropFirst() { try setGradient(c, g); try optC.step() }
            XCTAssertEqual(c.value.scalars, a.value.scalars)
        }
    }

    func testAdamRejectsForeignState() throws {
        let p = parameter([1])
        XCTAssertThrowsError(try Adam([p]).load(state: ["momentum.0": Tensor([1])])) { error in
            XCTAssertTrue("\(error)".contains("step"), "\(error)")
        }
    }
}

final class ScheduleTests: XCTestCase {
    func testStepSchedule() {
        let s = LearningRateSchedule.step(every: 2, gamma: 0.5)
        XCTAssertEqual(s.rate(base: 0.1, at: 0), 0.1, accuracy: 1e-9)
        XCTAssertEqual(s.rate(base: 0.1, at: 1.99), 0.1, accuracy: 1e-9)
        XCTAssertEqual(s.rate(base: 0.1, at: 2), 0.05, accuracy: 1e-9)
        XCTAssertEqual(s.rate(base: 0.1, at: 4.5), 0.025, accuracy: 1e-9)
    }

    func testCosineSchedule() {
        let s = LearningRateSchedule.cosine(epochs: 4)
        XCTAssertEqual(s.rate(base: 0.1, at: 0), 0.1, accuracy: 1e-7)
        XCTAssertEqual(s.rate(base: 0.1, at: 1), 0.1 * (1 + Float(0.5).squareRoot()) / 2, accuracy: 1e-7)  // cos(π/4) = √½
        XCTAssertEqual(s.rate(base: 0.1, at: 2), 0.05, accuracy: 1e-7)
        XCTAssertEqual(s.rate(base: 0.1, at: 4), 0, accuracy: 1e-7)
        XCTAssertEqual(s.rate(base: 0.1, at: 9), 0, accuracy: 1e-7)
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.3, at: 7), 0.3)
    }

    func testParseAndDescribe() throws {
        XCTAssertEqual(try LearningRateSchedule.parse("constant"), .constant)
        XCTAssertEqual(try LearningRateSchedule.parse("cosine").spanning(5), .cosine(epochs: 5))
        XCTAssertEqual(try LearningRateSchedule.parse("cosine:3").spanning(5), .cosine(epochs: 3))
        XCTAssertEqual(try LearningRateSchedule.parse("step:2:0.5"), .step(every: 2, gamma: 0.5))
        for s in [LearningRateSchedule.constant, .cosine(epochs: 0), .cosine(epochs: 7), .step(every: 3, gamma: 0.1)] {
            XCTAssertEqual(try LearningRateSchedule.parse(s.description), s)
        }
        for bad in ["linear", "step:0:0.5", "step:2", "cosine:x"] {
            XCTAssertThrowsError(try LearningRateSchedule.parse(bad)) { XCTAssertTrue("\($0)".contains(bad), "\($0)") }
        }
    }
}
