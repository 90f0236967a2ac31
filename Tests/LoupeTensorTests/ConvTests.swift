import LoupeTensor
import LoupeTesting
import XCTest

/// conv2d: known values (hand-computed and against naive loops) and finite-difference
/// gradients over the paths the kernels take (im2col, pointwise GEMM, depthwise SIMD,
/// gather-form and scatter-form input gradients, batch-parallel and single-unit).
final class ConvTests: XCTestCase {
    /// Under the kernel variant `make test` asks for (the best by default).
    override func invokeTest() { withTestedKernelVariant { super.invokeTest() } }

    func testHandComputedConv() throws {
        let x = try Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let w = try Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        // y[0,0] = 1·1 + 2·2 + 3·4 + 4·5 = 37; each step right adds 10, each step down 30; bias 1.
        let y = try x.conv2d(weight: w, bias: Tensor([1]))
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars, [38, 48, 68, 78])
        // Padding 1, stride 2: corners of the padded image see only part of the image.
        // (0,0): 4·1; (0,1): 3·2 + 4·3; (1,0): 2·4 + 4·7; (1,1): 1·5 + 2·6 + 3·8 + 4·9.
        let z = try x.conv2d(weight: w, stride: 2, padding: .symmetric(1))
        XCTAssertEqual(z.shape, [1, 1, 2, 2])
        XCTAssertEqual(z.scalars, [4, 18, 36, 77])
    }

    func testHandComputedDepthwise() throws {
        // Two channels, each with its own 3×3 filter: a box sum and a centre tap ×2.
        let x = try Tensor(shape: [1, 2, 2, 2], scalars: [1, 2, 3, 4, 10, 20, 30, 40])
        let box = [Float](repeating: 1, count: 9), centre: [Float] = [0, 0, 0, 0, 2, 0, 0, 0, 0]
        let w = try Tensor(shape: [2, 1, 3, 3], scalars: box + centre)
        let y = try x.conv2d(weight: w, padding: .symmetric(1), groups: 2)
        XCTAssertEqual(y.scalars, [10, 10, 10, 10, 20, 40, 60, 80])
    }

    func testSamePaddingTable() {
        // TensorFlow SAME: stride 2 on an even input puts the odd pixel after.
        XCTAssertEqual(Padding2D.same(height: 224, width: 224, kernel: 3, stride: 2),
                       Padding2D(top: 0, bottom: 1, left: 0, right: 1))
        XCTAssertEqual(Padding2D.same(height: 112, width: 112, kernel: 5, stride: 2),
                       Padding2D(top: 1, bottom: 2, left: 1, right: 2))
        XCTAssertEqual(Padding2D.same(height: 14, width: 14, kernel: 3, stride: 1), .symmetric(1))
        XCTAssertEqual(Padding2D.same(height: 14, width: 14, kernel: 5, stride: 1), .symmetric(2))
        // Odd input at stride 2: ceil(7/2) = 4 outputs need (4−1)·2 + 3 − 7 = 2.
        XCTAssertEqual(Padding2D.same(height: 7, width: 8, kernel: 3, stride: 2),
                       Padding2D(top: 1, bottom: 1, left: 0, right: 1))
        // Dilation 2 makes a 3×3 kernel span 5: total 4.
        XCTAssertEqual(Padding2D.same(height: 10, width: 10, kernel: 3, stride: 1, dilation: 2), .symmetric(2))
        // A 1×1 kernel never needs padding; a kernel smaller than the stride neither.
        XCTAssertEqual(Padding2D.same(height: 9, width: 9, kernel: 1, stride: 1), .zero)
        XCTAssertEqual(Padding2D.same(height: 8, width: 8, kernel: 1, stride: 2), .zero)
        // SAME gives ceil(i/s) outputs through conv2d.
        let x = randomTensor([1, 1, 7, 8], seed: 1), w = randomTensor([1, 1, 3, 3], seed: 2)
        let y = try? x.conv2d(weight: w, stride: 2, padding: .same(height: 7, width: 8, kernel: 3, stride: 2))
        XCTAssertEqual(y?.shape, [1, 1, 4, 4])
    }

    static let configs: [ConvConfig] = [
        ConvConfig(input: [2, 3, 7, 5], weight: [4, 3, 3, 3], bias: true, padding: .symmetric(1)),
        ConvConfig(input: [1, 2, 7, 5], weight: [3, 2, 3, 2], stride: 2,
                   padding: Padding2D(top: 0, bottom: 1, left: 2, right: 1)),
        ConvConfig(input: [2, 2, 7, 6], weight: [3, 2, 3, 3], padding: .symmetric(2), dilation: 2),
        ConvConfig(input: [1, 2, 8, 7], weight: [3, 2, 5, 5], bias: true, stride: 2,
                   padding: .same(height: 8, width: 7, kernel: 5, stride: 2)),
        ConvConfig(input: [3, 4, 5, 5], weight: [6, 2, 3, 3], bias: true, padding: .symmetric(1), groups: 2),
        ConvConfig(input: [2, 4, 5, 3], weight: [3, 4, 1, 1], bias: true),
        ConvConfig(input: [1, 4, 5, 3], weight: [3, 4, 1, 1]),
        ConvConfig(input: [2, 4, 7, 5], weight: [3, 4, 1, 1], stride: 2),
        ConvConfig(input: [2, 3, 7, 5], weight: [3, 1, 3, 3], bias: true, padding: .symmetric(1), groups: 3),
        ConvConfig(input: [1, 3, 9, 19], weight: [3, 1, 5, 5], bias: true, stride: 2,
                   padding: .same(height: 9, width: 19, kernel: 5, stride: 2), groups: 3),
        ConvConfig(input: [2, 2, 8, 21], weight: [2, 1, 3, 3], stride: 1,
                   padding: Padding2D(top: 2, bottom: 0, left: 1, right: 3), dilation: 2, groups: 2),
        ConvConfig(input: [1, 2, 6, 11], weight: [2, 1, 3, 3], stride: 3, padding: .symmetric(1), groups: 2),
        // Channel multiplier 2: groups == Cin but Cout = 2·Cin takes the grouped GEMM path.
        ConvConfig(input: [2, 2, 5, 6], weight: [4, 1, 3, 3], padding: .symmetric(1), groups: 2),
        // Padding larger than (k−1)·d makes the gather-form input gradient crop.
        ConvConfig(input: [1, 2, 4, 5], weight: [2, 2, 2, 2], padding: Padding2D(top: 3, bottom: 1, left: 2, right: 0)),
    ]

    func testMatchesNaiveLoops() throws {
        for (i, c) in Self.configs.enumerated() {
            // Bigger and wider than the gradient checks so the SIMD bodies and tails all run.
            var big = c
            big.input[2] += 9
            big.input[3] += 17
            for cfg in [c, big] {
                let x = randomTensor(cfg.input, seed: UInt64(10 + i)), w = randomTensor(cfg.weight, seed: UInt64(40 + i))
                let b = cfg.bias ? randomTensor([cfg.weight[0]], seed: UInt64(70 + i)) : nil
                let y = try x.conv2d(weight: w, bias: b, stride: cfg.stride, padding: cfg.padding,
                                     dilation: cfg.dilation, groups: cfg.groups)
                let ref = naiveConv2d(x, w, b, cfg)
                XCTAssertEqual(y.shape, ref.shape, "\(cfg)")
                assertClose(y.scalars, ref.values, tol: 1e-4)
            }
        }
    }

    /// Enough channels that im2col and col2im work in tiles of output rows (e.g. 576 col
    /// rows × 30 columns → tiles of 15 rows), the last tile short; batch 1 and 2, stride 1
    /// (gather-form input gradient) and 2 (scatter form).
    static let tiledConfigs = [
        ConvConfig(input: [1, 64, 20, 30], weight: [50, 64, 3, 3], bias: true, padding: .symmetric(1)),
        ConvConfig(input: [2, 128, 61, 30], weight: [20, 128, 3, 3], stride: 2,
                   padding: Padding2D(top: 0, bottom: 1, left: 1, right: 0)),
    ]

    func testTiledIm2colMatchesNaiveLoops() throws {
        for (i, cfg) in Self.tiledConfigs.enumerated() {
            let x = randomTensor(cfg.input, seed: UInt64(200 + i)), w = randomTensor(cfg.weight, seed: UInt64(210 + i))
            let b = cfg.bias ? randomTensor([cfg.weight[0]], seed: 220) : nil
            let y = try x.conv2d(weight: w, bias: b, stride: cfg.stride, padding: cfg.padding)
            let ref = naiveConv2d(x, w, b, cfg)
            XCTAssertEqual(y.shape, ref.shape, "\(cfg)")
            assertClose(y.scalars, ref.values, tol: 1e-4)
        }
    }

    /// Too big for finite differences, so the tiled gradients are checked through linearity:
    /// for y = conv(x, w) and any seed s, ⟨y, s⟩ = ⟨x, ∂/∂x⟩ = ⟨w, ∂/∂w⟩.
    func testTiledGradientsSatisfyTheAdjointIdentity() throws {
        func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        for (i, cfg) in Self.tiledConfigs.enumerated() {
            let x = randomTensor(cfg.input, seed: UInt64(230 + i)).requiringGrad()
            let w = randomTensor(cfg.weight, seed: UInt64(240 + i)).requiringGrad()
            let y = try x.conv2d(weight: w, stride: cfg.stride, padding: cfg.padding)
            let seed = randomTensor(y.shape, seed: UInt64(250 + i))
            try y.backward(seed: seed)
            let expected = dot(y.scalars, seed.scalars)
            let viaX = dot(x.scalars, x.grad?.scalars ?? []), viaW = dot(w.scalars, w.grad?.scalars ?? [])
            XCTAssertEqual(viaX, expected, accuracy: 1e-4 * abs(expected) + 1e-2, "\(cfg)")
            XCTAssertEqual(viaW, expected, accuracy: 1e-4 * abs(expected) + 1e-2, "\(cfg)")
        }
    }

    func testGradients() throws {
        for (i, c) in Self.configs.enumerated() {
            let x = randomTensor(c.input, seed: UInt64(100 + i)), w = randomTensor(c.weight, seed: UInt64(130 + i))
            var inputs = [x, w]
            if c.bias { inputs.append(randomTensor([c.weight[0]], seed: UInt64(160 + i))) }
            try checkGradients(inputs) {
                try $0[0].conv2d(weight: $0[1], bias: $0.count > 2 ? $0[2] : nil, stride: c.stride,
                                 padding: c.padding, dilation: c.dilation, groups: c.groups)
            }
        }
    }

    func testFrozenWeightSkipsWeightGradient() throws {
        for weight in [[4, 3, 3, 3], [3, 1, 3, 3]] {
            let groups = weight[1] == 1 ? 3 : 1
            let x = randomTensor([2, 3, 6, 5], seed: 1).requiringGrad()
            let frozen = randomTensor(weight, seed: 2)
            let counter = KernelCounter()
            try withKernelPolicy({ $0.counter = counter }) {
                try x.conv2d(weight: frozen, padding: .symmetric(1), groups: groups).sum().backward()
            }
            XCTAssertEqual(counter.weightGradients, 0)
            XCTAssertEqual(x.grad?.shape, [2, 3, 6, 5])

            let trainable = frozen.requiringGrad()
            try withKernelPolicy({ $0.counter = counter }) {
                try x.conv2d(weight: trainable, padding: .symmetric(1), groups: groups).sum().backward()
            }
            XCTAssertEqual(counter.weightGradients, 1)
            XCTAssertEqual(trainable.grad?.shape, weight)
        }
    }

    func testErrorsNameTheProblem() {
        let x = randomTensor([1, 4, 5, 5], seed: 1), w = randomTensor([2, 4, 3, 3], seed: 2)
        func expect(_ fragment: String, _ body: () throws -> Tensor, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { error in
                guard let e = error as? TensorError else { return XCTFail("not a TensorError: \(error)", line: line) }
                XCTAssertTrue(e.description.contains("conv2d"), e.description, line: line)
                XCTAssertTrue(e.description.contains(fragment), "\(e.description) lacks \(fragment)", line: line)
            }
        }
        expect("[4, 5, 5]") { try randomTensor([4, 5, 5], seed: 3).conv2d(weight: w) }
        expect("[4, 3, 3]") { try x.conv2d(weight: randomTensor([4, 3, 3], seed: 3)) }
        expect("[2, 3, 3, 3]") { try x.conv2d(weight: randomTensor([2, 3, 3, 3], seed: 3)) }
        expect("groups=3") { try x.conv2d(weight: w, groups: 3) }
        expect("groups=2") { try x.conv2d(weight: w, groups: 2) }
        expect("stride") { try x.conv2d(weight: w, stride: 0) }
        expect("dilation") { try x.conv2d(weight: w, dilation: -1) }
        expect("groups") { try x.conv2d(weight: w, groups: 0) }
        expect("padding") { try x.conv2d(weight: w, padding: .symmetric(-1)) }
        expect("no output") { try x.conv2d(weight: randomTensor([2, 4, 7, 7], seed: 3)) }
        expect("no output") { try x.conv2d(weight: w, dilation: 3) }
        expect("[3]") { try x.conv2d(weight: w, bias: Tensor([1, 2, 3])) }
    }
}
