import LoupeTensor
import LoupeTesting
import XCTest

final class AutogradTests: XCTestCase {
    func testSharedSubexpressionAccumulates() throws {
        // y = x·x + x  ⇒  dy/dx = 2x + 1; x is used three times.
        let x = try Tensor(shape: [3], scalars: [1, -2, 0.5]).requiringGrad()
        let y = try (x * x + x).sum()
        try y.backward()
        XCTAssertEqual(x.grad?.scalars, [3, -3, 2])
    }

    func testLeafGradientsAccumulateAcrossCalls() throws {
        let x = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        try (x * 3).sum().backward()
        try (x * 3).sum().backward()
        XCTAssertEqual(x.grad?.scalars, [6, 6])
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testNoGradRecordsNothing() throws {
        let x = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        let y = Autograd.noGrad { x * 2 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertThrowsError(try y.sum().backward())
    }

    func testFrozenWeightsComputeNoWeightGradient() throws {
        let x = randomTensor([4, 5], seed: 1).requiringGrad()
        let frozen = randomTensor([3, 5], seed: 2)
        let counter = KernelCounter()
        try withKernelPolicy({ $0.counter = counter }) { try x.linear(weight: frozen).sum().backward() }
        XCTAssertEqual(counter.weightGradients, 0)
        XCTAssertNotNil(x.grad)

        let trainable = frozen.requiringGrad()
        try withKernelPolicy({ $0.counter = counter }) { try x.linear(weight: trainable).sum().backward() }
        XCTAssertEqual(counter.weightGradients, 1)
    }

    func testNamedIntermediatesExposeValueAndGradient() throws {
        let x = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        let h = (x * 3).named("h")
        let grads = try (h * h).sum().backward()
        XCTAssertEqual(grads.value("h")?.scalars, [3, 6])
        XCTAssertEqual(grads["h"]?.scalars, [6, 12])  // d(h²)/dh = 2h
    }

    func testSeedGradientForNonScalarOutput() throws {
        let x = try Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
        let y = x * 5
        XCTAssertThrowsError(try y.backward())
        try y.backward(seed: try Tensor(shape: [2], scalars: [1, -1]))
        XCTAssertEqual(x.grad?.scalars, [5, -5])
    }

    func testFreedGraphIsAnErrorNotASilentZero() throws {
        let x = try Tensor(shape: [1], scalars: [2]).requiringGrad()
        let y = try (x * x).sum()
        try y.backward()
        XCTAssertThrowsError(try y.backward())
    }

    func testReLURulesOnHandComputed4x4() throws {
        // x and the incoming gradient g, chosen so all four sign combinations occur.
        let xs: [Float] = [1, -1, 2, -2, 0.5, -0.5, 3, -3, 1, 1, -1, -1, 2, -2, 2, -2]
        let gs: [Float] = [1, 1, -1, -1, 2, -2, 2, -2, -3, 3, -3, 3, 4, 4, -4, -4]
        let x = try Tensor(shape: [1, 1, 4, 4], scalars: xs)
        let g = try Tensor(shape: [1, 1, 4, 4], scalars: gs)
        func backward(_ rule: ReLURule) throws -> [Float] {
            let leaf = x.requiringGrad()
            try leaf.relu().backward(seed: g, rule: rule)
            return leaf.grad!.scalars
        }
        // gradient: g where x > 0
        XCTAssertEqual(try backward(.gradient), [1, 0, -1, 0, 2, 0, 2, 0, -3, 3, 0, 0, 4, 0, -4, 0])
        // deconvnet: g where g > 0, whatever x is
        XCTAssertEqual(try backward(.deconvnet), [1, 1, 0, 0, 2, 0, 2, 0, 0, 3, 0, 3, 4, 4, 0, 0])
        // guided: g where x > 0 and g > 0
        XCTAssertEqual(try backward(.guided), [1, 0, 0, 0, 2, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 0])
    }

    func testRandomStreamsAreKeyedNotSequential() throws {
        let s = RandomStream(seed: 42, key: [3, 1])
        let a = try Tensor.randomNormal([1000], stream: s).scalars
        XCTAssertEqual(a, try Tensor.randomNormal([1000], stream: s).scalars)
        XCTAssertNotEqual(a, try Tensor.randomNormal([1000], stream: RandomStream(seed: 42, key: [3, 2])).scalars)
        let mean = a.reduce(0, +) / 1000
        let variance = a.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 1000
        XCTAssertEqual(mean, 0, accuracy: 0.1)
        XCTAssertEqual(variance, 1, accuracy: 0.15)
    }
}
