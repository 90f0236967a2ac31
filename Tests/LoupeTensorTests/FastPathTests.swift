import LoupeTensor
import LoupeTesting
import XCTest

/// The specialised kernels behind EfficientNet's speed, each against loops written
/// straight from the definitions.
final class FastPathTests: XCTestCase {
    /// Under the kernel variant `make test` asks for (the best by default).
    override func invokeTest() { withTestedKernelVariant { super.invokeTest() } }

    /// dx[n, c, iy, ix] = Σ w[c, ky, kx]·g[n, c, oy, ox] over oy·s − pt + ky = iy, ox·s − pl + kx = ix.
    func naiveDepthwiseInputGradient(_ g: Tensor, _ w: Tensor, input: [Int], stride s: Int, padding p: Padding2D) -> [Float] {
        let (n, c, h, wd) = (input[0], input[1], input[2], input[3])
        let (kh, kw) = (w.shape[2], w.shape[3]), (oh, ow) = (g.shape[2], g.shape[3])
        let gs = g.scalars, ws = w.scalars
        var dx = [Double](repeating: 0, count: n * c * h * wd)
        for b in 0..<n {
            for ch in 0..<c {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * s - p.top + ky, ix = ox * s - p.left + kx
                                guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                dx[((b * c + ch) * h + iy) * wd + ix] +=
                                    Double(ws[(ch * kh + ky) * kw + kx]) * Double(gs[((b * c + ch) * oh + oy) * ow + ox])
                            }
                        }
                    }
                }
            }
        }
        return dx.map { Float($0) }
    }

    /// Strided depthwise convs as EfficientNet has them (SAME padding, 3×3 and 5×5 at
    /// stride 2, even and odd sizes, rows wider than one vector) and a few odd ones.
    func testStridedDepthwiseInputGradientMatchesNaiveLoops() throws {
        let cases: [(input: [Int], kernel: Int, stride: Int, padding: Padding2D)] = [
            ([2, 3, 28, 28], 3, 2, .same(height: 28, width: 28, kernel: 3, stride: 2)),
            ([1, 4, 29, 23], 3, 2, .same(height: 29, width: 23, kernel: 3, stride: 2)),
            ([2, 3, 28, 30], 5, 2, .same(height: 28, width: 30, kernel: 5, stride: 2)),
            ([1, 2, 17, 21], 5, 2, .same(height: 17, width: 21, kernel: 5, stride: 2)),
            ([1, 2, 19, 26], 3, 3, .symmetric(1)),
            ([1, 2, 13, 20], 2, 3, .zero),  // kernel smaller than the stride: some phases get nothing
            ([1, 2, 16, 18], 5, 2, Padding2D(top: 2, bottom: 2, left: 2, right: 2)),
        ]
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.input, seed: UInt64(300 + i)).requiringGrad()
            let w = randomTensor([c.input[1], 1, c.kernel, c.kernel], seed: UInt64(320 + i))
            let y = try x.conv2d(weight: w, stride: c.stride, padding: c.padding, groups: c.input[1])
            let g = randomTensor(y.shape, seed: UInt64(340 + i))
            try y.backward(seed: g)
            let expected = naiveDepthwiseInputGradient(g, w, input: c.input, stride: c.stride, padding: c.padding)
            assertClose(x.grad?.scalars ?? [], expected, tol: 1e-4)
        }
    }

    /// relu and relu6 forward and all three backward rules, on sizes with and without a
    /// vector tail and large enough to split across workers.
    func testRectifiersMatchTheirDefinitions() throws {
        for count in [13, 1 << 17] {
            let x = randomTensor([count], seed: 7, scale: 5)
            let g = randomTensor([count], seed: 8)
            for (upper, op) in [(Float.infinity, { (t: Tensor) in t.relu() }), (6, { (t: Tensor) in t.relu6() })] {
                XCTAssertEqual(Autograd.noGrad { op(x) }.scalars, x.scalars.map { min(max($0, 0), upper) })
                for rule in ReLURule.allCases {
                    let leaf = x.requiringGrad()
                    try op(leaf).backward(seed: g, rule: rule)
                    let expected = zip(x.scalars, g.scalars).map { xv, gv -> Float in
                        let passes = xv > 0 && xv < upper
                        switch rule {
                        case .gradient: return passes ? gv : 0
                        case .deconvnet: return max(gv, 0)
                        case .guided: return passes && gv > 0 ? gv : 0
                        }
                    }
                    XCTAssertEqual(leaf.grad?.scalars, expected, "\(rule) upper \(upper) count \(count)")
                }
            }
        }
    }

    /// A fused activation gives what the separate op gives, forward and for every backward
    /// rule, on the GEMM paths (pointwise, im2col) and the depthwise one.
    func testFusedActivationMatchesConvThenRectifier() throws {
        let cases: [(input: [Int], weight: [Int], groups: Int, stride: Int, padding: Padding2D)] = [
            ([2, 6, 9, 21], [10, 6, 1, 1], 1, 1, .zero),
            ([1, 4, 11, 13], [5, 4, 3, 3], 1, 2, .symmetric(1)),
            ([2, 5, 12, 19], [5, 1, 5, 5], 5, 1, .symmetric(2)),
            ([1, 3, 14, 18], [3, 1, 3, 3], 3, 2, .same(height: 14, width: 18, kernel: 3, stride: 2)),
        ]
        for (i, c) in cases.enumerated() {
            let x = randomTensor(c.input, seed: UInt64(400 + i), scale: 3)
            let w = randomTensor(c.weight, seed: UInt64(410 + i))
            let b = randomTensor([c.weight[0]], seed: UInt64(420 + i))
            for (activation, separate) in [(FusedActivation.relu, { (t: Tensor) in t.relu() }),
                                           (.relu6, { (t: Tensor) in t.relu6() })] {
                for rule in ReLURule.allCases {
                    let (x1, x2) = (x.requiringGrad(), x.requiringGrad())
                    let fused = try x1.conv2d(weight: w, bias: b, stride: c.stride, padding: c.padding,
                                              groups: c.groups, activation: activation)
                    let plain = separate(try x2.conv2d(weight: w, bias: b, stride: c.stride, padding: c.padding,
                                                       groups: c.groups))
                    XCTAssertEqual(fused.scalars, plain.scalars, "case \(i) \(activation)")
                    let g = randomTensor(fused.shape, seed: UInt64(430 + i))
                    try fused.backward(seed: g, rule: rule)
                    try plain.backward(seed: g, rule: rule)
                    XCTAssertEqual(x1.grad?.scalars, x2.grad?.scalars, "case \(i) \(activation) \(rule)")
                }
            }
        }
    }

    /// Broadcasting an operand that repeats whole (as a spectrum scale over channels) takes
    /// a block-by-block path, forward and in the gradient's sum back to its shape.
    func testRepeatedBlockBroadcastValuesAndGradients() throws {
        let x = try Tensor(shape: [2, 2, 3], scalars: (1...12).map(Float.init)).requiringGrad()
        let y = try Tensor(shape: [1, 2, 3], scalars: [1, 2, 3, 4, 5, 6]).requiringGrad()
        XCTAssertEqual(try (x * y).scalars, [1, 4, 9, 16, 25, 36, 7, 16, 27, 40, 55, 72])
        XCTAssertEqual(try (y - x).scalars, [0, 0, 0, 0, 0, 0, -6, -6, -6, -6, -6, -6])
        try (x * y).sum().backward()
        XCTAssertEqual(y.grad?.scalars, [8, 10, 12, 14, 16, 18])
        XCTAssertEqual(x.grad?.scalars, [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6])
    }

    /// The 2×2 max pool's own loop keeps the general rules: first maximum on ties, a NaN wins.
    func testMaxPool2x2TiesAndNaN() throws {
        let x = try Tensor(shape: [1, 1, 4, 4], scalars: [1, 3, 3, 0, 2, 3, .nan, 1, 5, 5, 5, 5, 5, 5, 5, 5])
        let (y, indices) = try x.maxPool2dWithIndices(kernel: 2)
        XCTAssertEqual(indices, [1, 6, 8, 10])
        let v = y.scalars
        XCTAssertEqual(v[0], 3)
        XCTAssertTrue(v[1].isNaN)
        XCTAssertEqual(Array(v[2...]), [5, 5])
    }

    /// Recycled buffers must come back zeroed when a zero tensor is asked for.
    func testRecycledBuffersAreZeroedWhenZerosAreRequested() throws {
        let n = 1 << 19
        for _ in 0..<3 {
            var t = try Tensor.zeros([n])
            XCTAssertTrue(t.scalars.allSatisfy { $0 == 0 })
            t.withMutableScalars { p in for i in 0..<p.count { p[i] = 3 } }
        }
    }
}
