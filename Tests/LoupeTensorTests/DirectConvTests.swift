@testable import LoupeTensor
import LoupeTesting
import XCTest

/// Stride-1 convs with few input channels (forward) or few output channels (their input
/// gradient, a gather conv with 1–3 output rows) run the direct kernel instead of im2col.
/// Checked against the naive loops of ConvReference: the forward against the definition,
/// the input gradient against the transposed conv by its scatter definition.
final class DirectConvTests: XCTestCase {
    /// Under the kernel variant `make test` asks for (the best by default).
    override func invokeTest() { withTestedKernelVariant { super.invokeTest() } }

    static let configs = [
        // fashion-cnn's first layer, and an RGB first layer with odd sizes and wide rows
        // (two 8-column vectors per pass, tails of 1..15 columns).
        ConvConfig(input: [2, 1, 28, 28], weight: [32, 1, 3, 3], bias: true, padding: .symmetric(1)),
        ConvConfig(input: [1, 3, 13, 37], weight: [6, 3, 3, 3], bias: true, padding: .symmetric(1)),
        // Few output channels: 1, 3 and 5 (a block of 4 and a block of 1).
        ConvConfig(input: [3, 20, 9, 17], weight: [1, 20, 3, 3], padding: .symmetric(1)),
        ConvConfig(input: [1, 8, 5, 3], weight: [3, 8, 3, 3], bias: true, padding: .symmetric(2)),
        ConvConfig(input: [2, 2, 11, 6], weight: [5, 2, 5, 5], padding: Padding2D(top: 0, bottom: 2, left: 1, right: 3)),
        // No padding, a 1×3 kernel, an image narrower than one vector.
        ConvConfig(input: [1, 3, 7, 7], weight: [4, 3, 3, 3]),
        ConvConfig(input: [2, 1, 4, 5], weight: [7, 1, 1, 3], bias: true, padding: Padding2D(top: 0, bottom: 0, left: 1, right: 1)),
    ]

    func testTheseShapesTakeTheDirectPath() {
        for c in Self.configs {
            let (oh, ow) = Self.outputSize(c)
            let geo = ConvGeometry(channels: c.input[1], inH: c.input[2], inW: c.input[3], outH: oh, outW: ow,
                                   kh: c.weight[2], kw: c.weight[3], stride: 1, dilation: 1,
                                   padTop: c.padding.top, padLeft: c.padding.left)
            XCTAssertTrue(prefersDirectConv(geo, m: c.weight[0], groups: 1), "\(c)")
        }
        let vgg = ConvGeometry(channels: 64, inH: 56, inW: 56, outH: 56, outW: 56, kh: 3, kw: 3, stride: 1,
                               dilation: 1, padTop: 1, padLeft: 1)
        XCTAssertFalse(prefersDirectConv(vgg, m: 64, groups: 1), "a 64→64 conv stays on GEMM")
    }

    func testForwardMatchesTheDefinition() throws {
        for (i, c) in Self.configs.enumerated() {
            let x = randomTensor(c.input, seed: UInt64(300 + i)), w = randomTensor(c.weight, seed: UInt64(320 + i))
            let b = c.bias ? randomTensor([c.weight[0]], seed: UInt64(340 + i)) : nil
            let ref = naiveConv2d(x, w, b, c)
            let y = try x.conv2d(weight: w, bias: b, padding: c.padding)
            XCTAssertEqual(y.shape, ref.shape, "\(c)")
            assertClose(y.scalars, ref.values, tol: 1e-4)
            // The fused ReLU clamps in the same epilogue.
            let r = try x.conv2d(weight: w, bias: b, padding: c.padding, activation: .relu)
            assertClose(r.scalars, ref.values.map { Swift.max($0, 0) }, tol: 1e-4)
        }
    }

    func testInputGradientIsTheTransposedConv() throws {
        for (i, c) in Self.configs.enumerated() {
            let x = randomTensor(c.input, seed: UInt64(360 + i)).requiringGrad()
            let w = randomTensor(c.weight, seed: UInt64(380 + i))
            let y = try x.conv2d(weight: w, padding: c.padding)
            let seed = randomTensor(y.shape, seed: UInt64(400 + i))
            try y.backward(seed: seed)
            // dx = convTranspose(seed, w) with the same padding: the scatter definition, cropped
            // back to the input's size (a transposed conv of the output may fall short of it).
            var t = ConvConfig(input: y.shape, weight: c.weight, padding: c.padding)
            t.outputPadding = 0
            let ref = naiveConvTranspose2d(seed, w, nil, t)
            let (h, wd) = (c.input[2], c.input[3])
            var expected = [Float](repeating: 0, count: x.count)
            for n in 0..<c.input[0] {
                for ch in 0..<c.input[1] {
                    for yy in 0..<Swift.min(h, ref.shape[2]) {
                        for xx in 0..<Swift.min(wd, ref.shape[3]) {
                            expected[((n * c.input[1] + ch) * h + yy) * wd + xx] =
                                ref.values[((n * ref.shape[1] + ch) * ref.shape[2] + yy) * ref.shape[3] + xx]
                        }
                    }
                }
            }
            assertClose(x.grad?.scalars ?? [], expected, tol: 1e-4)
        }
    }

    func testGradients() throws {
        for (i, c) in Self.configs.prefix(5).enumerated() where c.input.reduce(1, *) < 800 {
            let x = randomTensor(c.input, seed: UInt64(420 + i)), w = randomTensor(c.weight, seed: UInt64(440 + i))
            try checkGradients([x, w]) { try $0[0].conv2d(weight: $0[1], padding: c.padding) }
        }
    }

    func testBitIdenticalAcrossThreadCounts() throws {
        func run(_ threads: Int) throws -> ([Float], [Float]) {
            let x = randomTensor([3, 3, 41, 29], seed: 5).requiringGrad(), w = randomTensor([16, 3, 3, 3], seed: 6)
            let y = try withThreads(threads) {
                let y = try x.conv2d(weight: w, padding: .symmetric(1), activation: .relu)
                try y.backward(seed: randomTensor(y.shape, seed: 7))
                return y
            }
            return (y.scalars, x.grad?.scalars ?? [])
        }
        let (one, two) = (try run(1), try run(2))
        XCTAssertEqual(one.0, two.0)
        XCTAssertEqual(one.1, two.1)
        XCTAssertFalse(one.1.isEmpty)
    }

    static func outputSize(_ c: ConvConfig) -> (Int, Int) {
        (c.input[2] + c.padding.top + c.padding.bottom - c.weight[2] + 1,
         c.input[3] + c.padding.left + c.padding.right - c.weight[3] + 1)
    }
}
