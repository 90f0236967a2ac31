import LoupeTensor
import LoupeTesting
import XCTest

final class ConvTransposeTests: XCTestCase {
    /// Under the kernel variant `make test` asks for (the best by default).
    override func invokeTest() { withTestedKernelVariant { super.invokeTest() } }

    func testHandComputed() throws {
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let ones = try Tensor.ones([1, 1, 2, 2])
        // Stride 2 with a 2×2 kernel: each input becomes its own 2×2 block.
        let y = try x.convTranspose2d(weight: ones, stride: 2)
        XCTAssertEqual(y.shape, [1, 1, 4, 4])
        XCTAssertEqual(y.scalars, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        // Stride 1: overlapping blocks add up; bias 0.5 on top.
        let z = try x.convTranspose2d(weight: ones, bias: Tensor([0.5]))
        XCTAssertEqual(z.scalars, [1.5, 3.5, 2.5, 4.5, 10.5, 6.5, 3.5, 7.5, 4.5])
        // outputPadding adds a trailing row and column that nothing reaches.
        let p = try x.convTranspose2d(weight: ones, stride: 2, outputPadding: 1)
        XCTAssertEqual(p.shape, [1, 1, 5, 5])
        XCTAssertEqual(p.scalars[20..<25].allSatisfy { $0 == 0 }, true)
    }

    static let configs: [ConvConfig] = [
        ConvConfig(input: [2, 3, 4, 5], weight: [3, 2, 3, 3], bias: true, padding: .symmetric(1)),
        ConvConfig(input: [1, 2, 3, 4], weight: [2, 3, 3, 3], bias: true, stride: 2,
                   padding: Padding2D(top: 1, bottom: 0, left: 0, right: 2), outputPadding: 1),
        ConvConfig(input: [2, 4, 3, 3], weight: [4, 1, 3, 3], stride: 2, groups: 2),
        ConvConfig(input: [1, 2, 4, 3], weight: [2, 2, 3, 2], padding: .symmetric(1), dilation: 2),
        ConvConfig(input: [2, 3, 3, 5], weight: [3, 2, 1, 1], bias: true),
        ConvConfig(input: [1, 2, 3, 3], weight: [2, 2, 4, 4], stride: 3, padding: .symmetric(2), outputPadding: 2),
        // outputPadding below the dilation (stride 1), and padding beyond (k−1)·d.
        ConvConfig(input: [1, 2, 4, 4], weight: [2, 1, 2, 2], padding: Padding2D(top: 2, bottom: 0, left: 0, right: 1),
                   dilation: 2, outputPadding: 1),
        ConvConfig(input: [2, 6, 3, 4], weight: [6, 1, 3, 3], bias: true, stride: 2, padding: .symmetric(1),
                   groups: 6, outputPadding: 1),
    ]

    func testMatchesNaiveScatter() throws {
        for (i, c) in Self.configs.enumerated() {
            var big = c
            big.input[2] += 7
            big.input[3] += 13
            for cfg in [c, big] {
                let x = randomTensor(cfg.input, seed: UInt64(10 + i)), w = randomTensor(cfg.weight, seed: UInt64(40 + i))
                let b = cfg.bias ? randomTensor([cfg.weight[1] * cfg.groups], seed: UInt64(70 + i)) : nil
                let y = try x.convTranspose2d(weight: w, bias: b, stride: cfg.stride, padding: cfg.padding,
                                              outputPadding: cfg.outputPadding, dilation: cfg.dilation,
                                              groups: cfg.groups)
                let ref = naiveConvTranspose2d(x, w, b, cfg)
                XCTAssertEqual(y.shape, ref.shape, "\(cfg)")
                assertClose(y.scalars, ref.values, tol: 1e-4)
            }
        }
    }

    func testGradients() throws {
        for (i, c) in Self.configs.enumerated() {
            let x = randomTensor(c.input, seed: UInt64(100 + i)), w = randomTensor(c.weight, seed: UInt64(130 + i))
            var inputs = [x, w]
            if c.bias { inputs.append(randomTensor([c.weight[1] * c.groups], seed: UInt64(160 + i))) }
            try checkGradients(inputs) {
                try $0[0].convTranspose2d(weight: $0[1], bias: $0.count > 2 ? $0[2] : nil, stride: c.stride,
                                          padding: c.padding, outputPadding: c.outputPadding,
                                          dilation: c.dilation, groups: c.groups)
            }
        }
    }

    /// conv_transpose is conv's adjoint: ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ with the same weight.
    func testIsTheAdjointOfConv() throws {
        let x = randomTensor([2, 4, 9, 9], seed: 1), w = randomTensor([6, 2, 3, 3], seed: 2)
        let pad = Padding2D(top: 1, bottom: 0, left: 0, right: 1)
        let cx = try x.conv2d(weight: w, stride: 2, padding: pad, groups: 2)
        let y = randomTensor(cx.shape, seed: 3)
        // 9 rows at stride 2 leave one row over: outputPadding 1 recovers the input size.
        let ty = try y.convTranspose2d(weight: w, stride: 2, padding: pad, outputPadding: 1, groups: 2)
        XCTAssertEqual(ty.shape, x.shape)
        let lhs = zip(cx.scalars, y.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let rhs = zip(x.scalars, ty.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(lhs, rhs, accuracy: 1e-3 * max(1, abs(lhs)))
    }

    func testErrorsNameTheProblem() {
        let x = randomTensor([1, 4, 3, 3], seed: 1), w = randomTensor([4, 2, 3, 3], seed: 2)
        func expect(_ fragment: String, _ body: () throws -> Tensor, line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { error in
                guard let e = error as? TensorError else { return XCTFail("not a TensorError: \(error)", line: line) }
                XCTAssertTrue(e.description.contains("convTranspose2d"), e.description, line: line)
                XCTAssertTrue(e.description.contains(fragment), "\(e.description) lacks \(fragment)", line: line)
            }
        }
        expect("rank 4") { try randomTensor([4, 3, 3], seed: 3).convTranspose2d(weight: w) }
        expect("[3, 2, 3, 3]") { try x.convTranspose2d(weight: randomTensor([3, 2, 3, 3], seed: 3)) }
        expect("groups=3") { try x.convTranspose2d(weight: w, groups: 3) }
        expect("stride") { try x.convTranspose2d(weight: w, stride: 0) }
        expect("dilation") { try x.convTranspose2d(weight: w, dilation: 0) }
        expect("outputPadding") { try x.convTranspose2d(weight: w, stride: 2, outputPadding: 2) }
        expect("output size") { try x.convTranspose2d(weight: w, padding: .symmetric(3)) }
        expect("[2]") { try x.convTranspose2d(weight: w, bias: Tensor([1, 2]), groups: 2) }
    }
}
