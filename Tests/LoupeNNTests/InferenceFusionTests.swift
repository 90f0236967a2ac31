import LoupeNN
import LoupeTensor
import LoupeTesting
import XCTest

/// Inference folds each conv → batch norm pair of EfficientNet-Lite into one conv; the
/// results must be those of the two layers run one after the other.
final class BatchNormFoldingTests: XCTestCase {
    /// EfficientNet-Lite0 with every batch norm given random statistics and affine
    /// parameters (the defaults, mean 0 and variance 1, would make folding trivial).
    func model() throws -> Model {
        let model = try Zoo.architecture("efficientnet-lite0")
        for (i, (name, p)) in model.network.stateDict().enumerated() {
            let n = p.value.count
            let shape = p.value.shape
            if name.hasSuffix("running_var") {
                p.value = try Tensor(shape: shape, scalars: randomTensor([n], seed: UInt64(i)).scalars.map { 0.5 + abs($0) })
            } else if name.hasSuffix("running_mean") || name.contains("_bn") && !name.hasSuffix("num_batches_tracked") {
                p.value = try Tensor(shape: shape, scalars: randomTensor([n], seed: UInt64(i), scale: 0.3).scalars.map {
                    name.hasSuffix("weight") ? 1 + $0 : $0
                })
            }
        }
        return model
    }

    func run(_ model: Model, folded: Bool, _ body: () throws -> [Float]) rethrows -> [Float] {
        try withKernelPolicy({ $0.foldBatchNorm = folded }, body)
    }

    func assertNear(_ a: [Float], _ b: [Float], relative: Float, _ what: String) {
        XCTAssertEqual(a.count, b.count, what)
        let scale = b.map { abs($0) }.max() ?? 1
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, relative * scale, "\(what): worst difference \(worst) at scale \(scale)")
        XCTAssertGreaterThan(scale, 0, what)
    }

    func testFoldedLogitsAndInputGradientsMatchConvThenBatchNorm() throws {
        let model = try model()
        let x = try Tensor.randomUniform([2, 3, 64, 64], stream: RandomStream(seed: 5))
        for folded in [true, false] { _ = try run(model, folded: folded) { try model.logits(x).scalars } }
        let logits = try [true, false].map { f in try run(model, folded: f) { try model.logits(x).scalars } }
        assertNear(logits[0], logits[1], relative: 1e-4, "logits")
        for rule in [ReLURule.gradient, .deconvnet] {
            let grads = try [true, false].map { f in
                try run(model, folded: f) {
                    try model.inputGradient(x, rule: rule) { pass in
                        try pass.output!.crossEntropy(labels: [3, 500], reduction: .sum)
                    }.gradient.scalars
                }
            }
            assertNear(grads[0], grads[1], relative: 1e-3, "input gradient, \(rule)")
        }
    }

    /// A changed statistic must not be served from the folded cache.
    func testChangedStatisticsAreRefolded() throws {
        let model = try model()
        let x = try Tensor.randomUniform([1, 3, 32, 32], stream: RandomStream(seed: 6))
        _ = try model.logits(x)
        guard let mean = model.network.stateDict().first(where: { $0.0 == "_blocks.2._bn1.running_mean" })?.1 else {
            return XCTFail("no _blocks.2._bn1.running_mean")
        }
        mean.value.withMutableScalars { p in for i in 0..<p.count { p[i] += 0.7 } }
        let folded = try run(model, folded: true) { try model.logits(x).scalars }
        let plain = try run(model, folded: false) { try model.logits(x).scalars }
        assertNear(folded, plain, relative: 1e-4, "logits after an in-place statistic change")
    }

    /// Trainable parameters are never folded away: their gradients still arrive.
    func testTrainableParametersStillGetGradients() throws {
        let model = try model()
        model.network.setTrainable(true)
        defer { model.network.setTrainable(false) }
        let x = try Tensor.randomUniform([1, 3, 32, 32], stream: RandomStream(seed: 7))
        let logits = try model.forward(x).output!
        try logits.crossEntropy(labels: [1]).backward()
        let params = Dictionary(uniqueKeysWithValues: model.network.namedParameters())
        XCTAssertNotNil(params["_blocks.3._bn1.weight"]?.value.grad)
        XCTAssertNotNil(params["_blocks.3._depthwise_conv.weight"]?.value.grad)
    }
}

/// Sequential models fuse a conv with the ReLU after it unless the conv's own output is
/// recorded; recording everything runs the layers one by one, so the two must agree.
final class SequentialFusionTests: XCTestCase {
    func testFusedConvReLUMatchesSeparateLayers() throws {
        let model = try Zoo.architecture("fashion-cnn", seed: 3)
        let x = try Tensor.randomUniform([3, 1, 28, 28], stream: RandomStream(seed: 9))
        for rule in ReLURule.allCases {
            let fused = try model.inputGradient(x, rule: rule) { pass in
                try pass.output!.crossEntropy(labels: [1, 4, 9], reduction: .sum)
            }
            let input = x.requiringGrad()
            let separate = try model.forward(input, recordAll: true)
            try separate.output!.crossEntropy(labels: [1, 4, 9], reduction: .sum).backward(rule: rule)
            XCTAssertEqual(fused.pass.output?.scalars, separate.output?.scalars, "\(rule)")
            XCTAssertEqual(fused.gradient.scalars, input.grad?.scalars, "\(rule)")
            XCTAssertNotNil(separate["0"], "the conv's own output is recorded when asked for")
        }
    }

    /// The conv tap holds the conv's output (before the ReLU) when it is recorded.
    func testRecordedConvKeepsItsPreActivationOutput() throws {
        let model = try Zoo.architecture("fashion-cnn", seed: 3)
        let x = try Tensor.randomUniform([1, 1, 28, 28], stream: RandomStream(seed: 10))
        let pass = try Autograd.noGrad { try model.forward(x, recording: ["0", "1"]) }
        let conv = try XCTUnwrap(pass["0"]), relu = try XCTUnwrap(pass["1"])
        XCTAssertTrue(conv.scalars.contains { $0 < 0 })
        XCTAssertEqual(relu.scalars, conv.scalars.map { max($0, 0) })
    }
}
