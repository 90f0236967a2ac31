import LoupeTensor
import LoupeTesting
import XCTest

/// Finite-difference checks for the elementwise, reduction, shape and activation ops.
final class ElementwiseGradTests: XCTestCase {
    let a = randomTensor([3, 5], seed: 1)
    let b = randomTensor([3, 5], seed: 2)
    let row = randomTensor([1, 5], seed: 3)
    let positive = randomTensor([3, 5], seed: 4).abs() + 0.5

    func testBinaryOpsWithBroadcasting() throws {
        try checkGradients([a, row]) { try $0[0] + $0[1] }
        try checkGradients([a, row]) { try $0[0] - $0[1] }
        try checkGradients([a, b]) { try $0[0] * $0[1] }
        try checkGradients([a, positive]) { try $0[0] / $0[1] }
        try checkGradients([row, a]) { try $0[0] * $0[1] }
        try checkGradients([randomTensor([2, 1, 4], seed: 5), randomTensor([3, 1], seed: 6)]) { try $0[0] * $0[1] }
    }

    func testMinMaxRouteGradientToTheChosenOperand() throws {
        // Keep the operands ≥ 0.3 apart so no finite difference crosses the kink.
        let apart = try a + b.sign() * 0.3
        try checkGradients([a, apart]) { try minimum($0[0], $0[1]) }
        try checkGradients([a, apart]) { try maximum($0[0], $0[1]) }
        try checkGradients([apart, a]) { try maximum($0[0], $0[1]) }
    }

    func testScalarOps() throws {
        try checkGradients([a]) { ($0[0] + 2) * 3 - 1 }
        try checkGradients([a]) { 1 - $0[0] / 4 }
        try checkGradients([a]) { -$0[0] }
    }

    func testUnaryMath() throws {
        try checkGradients([positive]) { $0[0].pow(2.5) }
        try checkGradients([positive]) { $0[0].sqrt() }
        try checkGradients([a]) { $0[0].exp() }
        try checkGradients([positive]) { $0[0].log() }
        try checkGradients([a]) { $0[0].abs() }
        try checkGradients([a]) { try $0[0].clamp(min: -0.5, max: 0.7) }
    }

    func testActivations() throws {
        try checkGradients([a]) { $0[0].relu() }
        try checkGradients([a * 4]) { $0[0].relu6() }
        try checkGradients([a]) { $0[0].leakyReLU(slope: 0.1) }
        try checkGradients([a]) { $0[0].sigmoid() }
        try checkGradients([a]) { $0[0].tanh() }
        try checkGradients([a]) { $0[0].softplus() }
        try checkGradients([a]) { $0[0].silu() }
    }

    func testReductions() throws {
        let x = randomTensor([2, 3, 4], seed: 8)
        try checkGradients([x]) { $0[0].sum() }
        try checkGradients([x]) { $0[0].mean() }
        try checkGradients([x]) { try $0[0].sum(axes: [1]) }
        try checkGradients([x]) { try $0[0].mean(axes: [0, 2], keepDims: true) }
        try checkGradients([x]) { try $0[0].max(axis: 1).values }
        try checkGradients([x]) { try $0[0].max(axis: -1, keepDims: true).values }
    }

    func testShapeOps() throws {
        let x = randomTensor([2, 3, 4, 5], seed: 9)
        try checkGradients([x]) { try $0[0].reshaped([6, -1]) }
        try checkGradients([x]) { try $0[0].permuted([2, 0, 3, 1]) }
        try checkGradients([x]) { try $0[0].transposed() }
        try checkGradients([x]) { try $0[0].narrowed(axis: 2, start: 1, length: 2) }
        try checkGradients([x, randomTensor([2, 2, 4, 5], seed: 10)]) { try Tensor.concat($0, axis: 1) }
        try checkGradients([a, b]) { try Tensor.stack($0, axis: 1) }
        try checkGradients([x]) { try $0[0].padded(top: 1, bottom: 2, left: 0, right: 3, value: 0.5) }
        try checkGradients([x]) { try $0[0].padded(top: 2, bottom: 1, left: 3, right: 1, mode: .reflect) }
    }

    func testSoftmaxFamily() throws {
        try checkGradients([a]) { try $0[0].softmax() }
        try checkGradients([a]) { try $0[0].softmax(axis: 0) }
        try checkGradients([a]) { try $0[0].logSoftmax() }
        for reduction in [Tensor.Reduction.mean, .sum, .none] {
            try checkGradients([a]) { try $0[0].crossEntropy(labels: [0, 4, 2], reduction: reduction) }
        }
    }

    func testMatmulAndLinear() throws {
        let w = randomTensor([4, 5], seed: 11), bias = randomTensor([4], seed: 12)
        try checkGradients([a, randomTensor([5, 7], seed: 13)]) { try $0[0].matmul($0[1]) }
        try checkGradients([a, w, bias]) { try $0[0].linear(weight: $0[1], bias: $0[2]) }
        try checkGradients([a, w]) { try $0[0].linear(weight: $0[1]) }
    }
}

/// Known values computed by hand.
final class ElementwiseValueTests: XCTestCase {
    func testBroadcastValues() throws {
        let x = try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let y = try Tensor(shape: [3], scalars: [10, 20, 30])
        XCTAssertEqual(try (x + y).scalars, [11, 22, 33, 14, 25, 36])
        XCTAssertEqual(try x.sum(axes: [0]).scalars, [5, 7, 9])
        XCTAssertEqual(try x.max(axis: 1).indices, [2, 2])
        XCTAssertEqual(try x.transposed().scalars, [1, 4, 2, 5, 3, 6])
    }

    func testShapeErrorsNameBothShapes() {
        let x = try! Tensor.zeros([2, 3]), y = try! Tensor.zeros([4])
        XCTAssertThrowsError(try x + y) { error in
            XCTAssertEqual(error as? TensorError, .shapeMismatch(op: "add", [2, 3], [4]))
        }
        XCTAssertThrowsError(try x.reshaped([4, 2]))
        XCTAssertThrowsError(try Tensor(shape: [2, 2], scalars: [1]))
        XCTAssertThrowsError(try x.crossEntropy(labels: [0, 7]))
    }

    func testCrossEntropyMatchesHandComputation() throws {
        let logits = try Tensor(shape: [1, 3], scalars: [1, 2, 3])
        let expected = -log(exp(Float(1)) / (exp(1) + exp(2) + exp(3)))
        XCTAssertEqual(try logits.crossEntropy(labels: [0]).item, expected, accuracy: 1e-5)
    }

    func testPadReflectMatchesPyTorch() throws {
        // torch.nn.ReflectionPad2d((1, 1, 0, 0)) on [[1, 2, 3]] gives [[2, 1, 2, 3, 2]].
        let x = try Tensor(shape: [1, 3], scalars: [1, 2, 3])
        XCTAssertEqual(try x.padded(top: 0, bottom: 0, left: 1, right: 1, mode: .reflect).scalars, [2, 1, 2, 3, 2])
    }
}
