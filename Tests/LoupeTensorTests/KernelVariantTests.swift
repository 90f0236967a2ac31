@testable import LoupeTensor
import LoupeTesting
import XCTest

/// Every kernel variant this CPU runs against the portable baseline, kernel by kernel, on
/// shapes that reach each variant's paths: rows narrower than one vector, a 16-lane row
/// with a tail, rows the AVX-512 copy runs at 8 lanes (56 columns), odd edges, fused
/// bias and clamp. Kernels that only add, select or copy (Winograd transforms, pooling,
/// rectifiers, im2col) must agree bit for bit; those that multiply-add agree within
/// rounding, since the baseline has no fused multiply-add. AVX2 and AVX-512 both fuse and
/// sum each output in the same order, so they must agree exactly except for the
/// depthwise weight gradient, whose lanes are summed in a different order at 16 lanes.
final class KernelVariantTests: XCTestCase {
    private var others: [KernelVariant] { KernelVariant.supported.filter { $0 != .baseline } }

    /// What `body` computes under `variant`, arrays named for the messages.
    private func run(_ variant: KernelVariant, _ body: () throws -> [(String, [Float])]) rethrows
        -> [(String, [Float])] {
        try withKernelPolicy({ $0.kernels = variant }, body)
    }

    /// Compares every supported variant's results with the baseline's (and AVX2's with
    /// AVX-512's), exactly or within rounding.
    private func assertVariantsAgree(
        _ name: String, exact: Bool, exactBetweenFused: Set<String>? = nil,
        _ body: () throws -> [(String, [Float])], file: StaticString = #filePath, line: UInt = #line
    ) rethrows {
        let base = try run(.baseline, body)
        var fused: [(String, [Float])]?
        for variant in others {
            let results = try run(variant, body)
            XCTAssertEqual(results.map(\.0), base.map(\.0), file: file, line: line)
            for ((label, got), (_, want)) in zip(results, base) {
                let what = "\(name) \(label) under \(variant)"
                if exact {
                    assertIdentical(got, want, what, file: file, line: line)
                } else {
                    assertWithinRounding(got, want, what, file: file, line: line)
                }
            }
            if let earlier = fused {
                for ((label, got), (_, want)) in zip(results, earlier) where exactBetweenFused?.contains(label) ?? true {
                    assertIdentical(got, want, "\(name) \(label), avx512 against avx2", file: file, line: line)
                }
            }
            fused = results
        }
    }

    private func assertIdentical(_ a: [Float], _ b: [Float], _ what: String, file: StaticString, line: UInt) {
        guard a.count == b.count else { return XCTFail("\(what): \(a.count) vs \(b.count) values", file: file, line: line) }
        // Bit patterns, so a NaN must come out as the same NaN.
        if let i = a.indices.first(where: { a[$0].bitPattern != b[$0].bitPattern }) {
            XCTFail("\(what): element \(i) is \(a[i]), baseline \(b[i])", file: file, line: line)
        }
    }

    /// Each value within 1e-5 of the largest magnitude in its array: products rounded before
    /// the add (baseline) or not (FMA) differ by a few units in the last place of each term.
    private func assertWithinRounding(_ a: [Float], _ b: [Float], _ what: String, file: StaticString, line: UInt) {
        guard a.count == b.count else { return XCTFail("\(what): \(a.count) vs \(b.count) values", file: file, line: line) }
        let scale = max(1, b.map(abs).max() ?? 0)
        if let i = a.indices.first(where: { !(abs(a[$0] - b[$0]) <= 1e-5 * scale) }) {
            XCTFail("\(what): element \(i) is \(a[i]), baseline \(b[i])", file: file, line: line)
        }
    }

    /// Output, input gradient, weight gradient and (with a bias) bias gradient of one conv.
    private func conv(
        _ input: [Int], _ weight: [Int], stride: Int = 1, padding: Padding2D, dilation: Int = 1, groups: Int = 1,
        bias: Bool = false, activation: FusedActivation = .none, seed: UInt64
    ) throws -> [(String, [Float])] {
        let x = randomTensor(input, seed: seed).requiringGrad()
        let w = randomTensor(weight, seed: seed + 1).requiringGrad()
        let b = bias ? randomTensor([weight[0]], seed: seed + 2).requiringGrad() : nil
        let y = try x.conv2d(weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups,
                             activation: activation)
        try y.backward(seed: randomTensor(y.shape, seed: seed + 3))
        var out = [("output", y.scalars), ("input gradient", x.grad?.scalars ?? []),
                   ("weight gradient", w.grad?.scalars ?? [])]
        if let b { out.append(("bias gradient", b.grad?.scalars ?? [])) }
        return out
    }

    func testTheBaselineAlwaysRunsAndTheBestIsSupported() {
        XCTAssertEqual(KernelVariant.supported.first, .baseline)
        XCTAssertTrue(KernelVariant.best.isSupported)
        XCTAssertEqual(KernelPolicy().kernels, KernelVariant.best)
        XCTAssertEqual(try KernelVariant(choice: "auto"), KernelVariant.best)
        for variant in KernelVariant.supported { XCTAssertEqual(try KernelVariant(choice: variant.rawValue), variant) }
        XCTAssertThrowsError(try KernelVariant(choice: "sse9"))
        for variant in KernelVariant.allCases where !variant.isSupported {
            XCTAssertThrowsError(try KernelVariant(choice: variant.rawValue))
        }
    }

    func testDepthwiseConvAgreesAcrossVariants() throws {
        let cases: [(input: [Int], kernel: Int, stride: Int, dilation: Int)] = [
            ([2, 3, 14, 14], 3, 1, 1),  // 14 columns: one 16-lane vector
            ([1, 4, 14, 14], 5, 2, 1),  // 7 output columns: 8 lanes everywhere
            ([1, 2, 9, 56], 3, 1, 1),   // 56 columns: AVX-512 runs 8 lanes
            ([1, 3, 20, 33], 5, 1, 1),  // 16-lane rows with a one-column tail
            ([1, 2, 23, 37], 3, 2, 1),
            ([1, 2, 12, 19], 3, 1, 2),
            ([1, 2, 15, 21], 3, 2, 2),  // dilated and strided: the scatter input gradient
        ]
        for (i, c) in cases.enumerated() {
            let k = c.kernel, h = c.input[2], w = c.input[3]
            let padding = Padding2D.same(height: h, width: w, kernel: k, stride: c.stride, dilation: c.dilation)
            try assertVariantsAgree("depthwise \(c)", exact: false,
                                    exactBetweenFused: ["output", "input gradient", "bias gradient"]) {
                try conv(c.input, [c.input[1], 1, k, k], stride: c.stride, padding: padding, dilation: c.dilation,
                         groups: c.input[1], bias: true, activation: i % 2 == 0 ? .relu6 : .none, seed: UInt64(10 * i))
            }
        }
    }

    func testWinogradConvAgreesExactlyAcrossVariants() throws {
        // 32 channels in and out, so the forward and the input gradient both take Winograd,
        // with each tile size. F(4×4)'s transforms multiply only by powers of two, exactly.
        for tile in [Winograd.Tile.two, .four] {
            for (i, size) in [(14, 14), (28, 30), (9, 11), (6, 64), (13, 119)].enumerated() {
                try withKernelPolicy({ $0.winogradTuning.forcedTile = tile }) {
                    try assertVariantsAgree("winograd \(tile) \(size)", exact: true) {
                        try conv([2, 32, size.0, size.1], [32, 32, 3, 3], padding: .symmetric(1), bias: true,
                                 activation: i % 2 == 0 ? .relu : .none, seed: UInt64(100 + 10 * i))
                    }
                }
            }
        }
    }

    func testDirectConvAgreesAcrossVariants() throws {
        // RGB first layers (8 and 5 outputs: the 4-channel blocks and a lone last channel),
        // a grayscale one with a single output, and their 3- and 1-output input gradients.
        let cases: [(input: [Int], weight: [Int])] = [
            ([2, 3, 28, 28], [8, 3, 3, 3]), ([1, 3, 7, 7], [5, 3, 3, 3]), ([1, 1, 10, 40], [1, 1, 5, 5]),
            ([1, 3, 12, 70], [4, 3, 3, 3]),
        ]
        for (i, c) in cases.enumerated() {
            try assertVariantsAgree("direct conv \(c)", exact: false, exactBetweenFused: ["output", "input gradient"]) {
                try conv(c.input, c.weight, padding: .symmetric(c.weight[2] / 2), bias: true,
                         activation: i % 2 == 0 ? .relu : .none, seed: UInt64(200 + 10 * i))
            }
        }
    }

    func testIm2colConvAgreesExactlyAcrossVariants() throws {
        // Stride 2, and stride 1 with rows shorter and longer than 64 columns (copied in
        // vectors, or by memcpy); bias and ReLU6 applied to each GEMM tile.
        let cases: [(input: [Int], stride: Int)] = [([2, 8, 15, 17], 2), ([1, 8, 10, 40], 1), ([1, 8, 5, 70], 1)]
        for (i, c) in cases.enumerated() {
            try assertVariantsAgree("im2col conv \(c)", exact: true) {
                try conv(c.input, [8, 8, 3, 3], stride: c.stride, padding: .symmetric(1), bias: true,
                         activation: .relu6, seed: UInt64(300 + 10 * i))
            }
        }
    }

    func testMaxPool2x2AgreesExactlyAcrossVariants() throws {
        for (i, shape) in [[2, 3, 14, 14], [1, 2, 8, 30], [1, 1, 4, 64], [1, 3, 7, 9], [1, 2, 6, 112]].enumerated() {
            try assertVariantsAgree("max pool \(shape)", exact: true) {
                // Ties (values rounded to halves) and NaNs, whose rule the vector and scalar paths share.
                var values = randomTensor(shape, seed: UInt64(400 + i)).scalars.map { ($0 * 2).rounded() / 2 }
                for j in stride(from: 5, to: values.count, by: 37) { values[j] = .nan }
                let x = try Tensor(shape: shape, scalars: values).requiringGrad()
                let y = try x.maxPool2d(kernel: 2)
                try y.backward(seed: randomTensor(y.shape, seed: UInt64(420 + i)))
                let (z, indices) = try Tensor(shape: shape, scalars: values).maxPool2dWithIndices(kernel: 2)
                return [("output", y.scalars), ("gradient", x.grad?.scalars ?? []), ("with indices", z.scalars),
                        ("indices", indices.map { Float($0) })]
            }
        }
    }

    func testRectifiersAgreeExactlyAcrossVariants() throws {
        for count in [13, 100, 1 << 17] {
            try assertVariantsAgree("rectifiers over \(count)", exact: true) {
                var values = randomTensor([count], seed: 500, scale: 5).scalars
                values[count / 2] = .nan
                values[1] = 6  // the ReLU6 edge
                var out: [(String, [Float])] = []
                for rule in ReLURule.allCases {
                    for relu6 in [false, true] {
                        let x = try Tensor(shape: [count], scalars: values).requiringGrad()
                        let y = relu6 ? x.relu6() : x.relu()
                        try y.backward(seed: randomTensor([count], seed: 501), rule: rule)
                        out += [("\(relu6 ? "relu6" : "relu") \(rule)", y.scalars),
                                ("\(relu6 ? "relu6" : "relu") \(rule) gradient", x.grad?.scalars ?? [])]
                    }
                }
                return out
            }
        }
    }
}
