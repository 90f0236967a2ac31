@testable import LoupeTensor
import LoupeTesting
import XCTest

/// The Winograd F(2×2, 3×3) and F(4×4, 3×3) paths of 3×3 stride-1 convs (forward and the
/// gather-form input gradient) against the naive Double loops of ConvReference.swift, which
/// share nothing with them.
final class WinogradTests: XCTestCase {
    /// Every test runs with the channel threshold lowered to 1, so that small, fast shapes
    /// take the path, under the kernel variant `make test` asks for (the best by default).
    override func invokeTest() {
        withKernelPolicy({ $0.winogradTuning.minChannels = 1 }) { withTestedKernelVariant { super.invokeTest() } }
    }

    /// The smallest blocks the sizing allows.
    static let smallBlocks = Winograd.Tuning(minChannels: 1, blockFloats: 1, minBlockTiles: 1)

    /// Both tile sizes, each forced whatever the shape.
    static let tiles: [Winograd.Tile] = [.two, .four]

    /// The largest error, relative to the output's largest magnitude, each tile may make
    /// against the Double reference. F(2×2)'s transforms only add and halve: its error is
    /// that of the C-term sums (~1e-6 here). F(4×4)'s multiply by up to 8 and 5 and divide
    /// by 24, which amplifies rounding: testLargeTileErrorOnVGGMagnitudes measured 4.6e-7
    /// (F(2×2), as im2col's 3.8e-7) and 7.7e-6 forward, 8.9e-6 input gradient (F(4×4)) on a
    /// VGG-like layer, so 1e-4 leaves F(2×2) its old margin and 5e-5 gives F(4×4) 5.6 times
    /// its worst, while a wrong transform coefficient errs by 1e-2 or more.
    static func tolerance(_ tile: Winograd.Tile) -> Float { tile == .two ? 1e-4 : 5e-5 }

    /// Runs `body` with `tile` forced.
    func with<T>(_ tile: Winograd.Tile, _ body: () throws -> T) rethrows -> T {
        try withKernelPolicy({ $0.winogradTuning.forcedTile = tile }, body)
    }

    struct Case {
        var input: [Int]
        var outChannels: Int
        var padding: Padding2D
        var groups = 1
        var activation = FusedActivation.none

        var weight: [Int] { [outChannels, input[1] / groups, 3, 3] }
        var config: ConvConfig { ConvConfig(input: input, weight: weight, padding: padding, groups: groups) }
        var outH: Int { input[2] + padding.top + padding.bottom - 2 }
        var outW: Int { input[3] + padding.left + padding.right - 2 }

        /// The geometries convGather and convInputGradient see for this conv.
        var forward: ConvGeometry {
            ConvGeometry(channels: input[1] / groups, inH: input[2], inW: input[3], outH: outH, outW: outW,
                         kh: 3, kw: 3, stride: 1, dilation: 1, padTop: padding.top, padLeft: padding.left)
        }
        var backward: ConvGeometry {
            ConvGeometry(channels: outChannels / groups, inH: outH, inW: outW, outH: input[2], outW: input[3],
                         kh: 3, kw: 3, stride: 1, dilation: 1, padTop: 2 - padding.top, padLeft: 2 - padding.left)
        }
    }

    static let cases: [Case] = [
        // Odd height and width: the last tile row and column keep only their first output.
        Case(input: [2, 8, 7, 9], outChannels: 8, padding: .symmetric(1), activation: .relu),
        // Images smaller than one 4×4 tile.
        Case(input: [1, 12, 3, 2], outChannels: 9, padding: .symmetric(1)),
        Case(input: [3, 8, 1, 1], outChannels: 8, padding: .symmetric(1), activation: .relu6),
        // Padding 0 (the input gradient then pads by 2) and 2 (it then pads by 0).
        Case(input: [3, 16, 6, 5], outChannels: 10, padding: .zero),
        Case(input: [1, 9, 5, 8], outChannels: 16, padding: .symmetric(2), activation: .relu),
        // Asymmetric padding, and padding 3: the input gradient's gather crops by 1.
        Case(input: [2, 8, 6, 7], outChannels: 12, padding: Padding2D(top: 0, bottom: 2, left: 2, right: 1)),
        Case(input: [1, 8, 4, 5], outChannels: 8, padding: Padding2D(top: 3, bottom: 1, left: 1, right: 3)),
        // One and three output channels (the input gradient: one and three input channels).
        Case(input: [2, 12, 9, 6], outChannels: 1, padding: .symmetric(1), activation: .relu),
        Case(input: [1, 10, 5, 10], outChannels: 3, padding: .symmetric(1)),
        // Groups: each group its own transformed weights.
        Case(input: [2, 16, 9, 7], outChannels: 16, padding: .symmetric(1), groups: 2, activation: .relu),
        // Several blocks at the default sizes, some spanning two images.
        Case(input: [3, 32, 22, 19], outChannels: 24, padding: .symmetric(1), activation: .relu),
    ]

    /// max |a − b| over max |reference|: the error relative to the output's scale.
    func relativeError(_ a: [Float], _ reference: [Float]) -> Float {
        let scale = reference.map(abs).max() ?? 0
        let err = zip(a, reference).map { abs($0 - $1) }.max() ?? 0
        return err / max(scale, 1e-30)
    }

    func clamped(_ v: [Float], _ activation: FusedActivation) -> [Float] {
        switch activation {
        case .none: return v
        case .relu: return v.map { max($0, 0) }
        case .relu6: return v.map { min(max($0, 0), 6) }
        }
    }

    func testForwardMatchesDirectConvolution() throws {
        for tile in Self.tiles {
            try with(tile) { try checkForward(tile) }
        }
    }

    func checkForward(_ tile: Winograd.Tile) throws {
        for (i, c) in Self.cases.enumerated() {
            XCTAssert(Winograd.applies(c.forward, m: c.outChannels / c.groups), "case \(i) would not use Winograd")
            let x = randomTensor(c.input, seed: UInt64(10 + i))
            let w = randomTensor(c.weight, seed: UInt64(40 + i), scale: 0.3)
            let b = randomTensor([c.outChannels], seed: UInt64(70 + i))
            let y = try x.conv2d(weight: w, bias: b, padding: c.padding, groups: c.groups, activation: c.activation)
            let reference = naiveConv2d(x, w, b, c.config)
            XCTAssertEqual(y.shape, reference.shape, "case \(i)")
            let err = relativeError(y.scalars, clamped(reference.values, c.activation))
            XCTAssertLessThan(err, Self.tolerance(tile), "\(tile) case \(i): \(c.input) → \(c.outChannels), padding \(c.padding)")
        }
    }

    func testInputGradientMatchesDirectTransposedConvolution() throws {
        for tile in Self.tiles {
            try with(tile) { try checkInputGradient(tile) }
        }
    }

    func checkInputGradient(_ tile: Winograd.Tile) throws {
        for (i, c) in Self.cases.enumerated() {
            XCTAssert(Winograd.applies(c.backward, m: c.input[1] / c.groups), "case \(i) would not use Winograd")
            let x = randomTensor(c.input, seed: UInt64(10 + i)).requiringGrad()
            let w = randomTensor(c.weight, seed: UInt64(40 + i), scale: 0.3)
            let y = try x.conv2d(weight: w, padding: c.padding, groups: c.groups)
            let seed = randomTensor(y.shape, seed: UInt64(90 + i))
            try y.backward(seed: seed)
            // dx is the transposed conv of dy with the same weight and padding.
            let reference = naiveConvTranspose2d(seed, w, nil, c.config)
            XCTAssertEqual(reference.shape, c.input, "case \(i)")
            let err = relativeError(x.grad?.scalars ?? [], reference.values)
            XCTAssertLessThan(err, Self.tolerance(tile), "\(tile) case \(i): \(c.input) → \(c.outChannels), padding \(c.padding)")
        }
    }

    /// Blocks of a few tile rows (the smallest the sizing allows) split images across
    /// blocks and blocks across images.
    func testSmallBlocks() throws {
        let c = Case(input: [3, 8, 9, 5], outChannels: 8, padding: .symmetric(1), activation: .relu)
        let plan = WinogradPlan(c.forward, batch: 3, groups: 1, m: 8, tuning: Self.smallBlocks)
        XCTAssertEqual(plan.tile, .two)    // 8 channels: below the 4×4 tile's threshold
        XCTAssertEqual(plan.blockRows, 2)  // M·C/(M + C) = 4 tiles, at 3 tiles per row
        XCTAssertEqual(plan.blocks, 8)     // 3 images × 5 tile rows: block 2 straddles two images
        var large = Self.smallBlocks
        large.forcedTile = .four
        let plan4 = WinogradPlan(c.forward, batch: 3, groups: 1, m: 8, tuning: large)
        XCTAssertEqual(plan4.tilesH, 3)    // 9 rows: 4 + 4 + 1
        XCTAssertEqual(plan4.tilesW, 2)    // 5 columns: 4 + 1
        XCTAssertEqual(plan4.blockRows, 2)
        XCTAssertEqual(plan4.blocks, 5)    // 3 images × 3 tile rows, 2 a block
        let x = randomTensor(c.input, seed: 1), w = randomTensor(c.weight, seed: 2, scale: 0.3)
        let b = randomTensor([8], seed: 3)
        let reference = clamped(naiveConv2d(x, w, b, c.config).values, c.activation)
        for tuning in [Self.smallBlocks, large] {
            let y = try withKernelPolicy({ $0.winogradTuning = tuning }) {
                try x.conv2d(weight: w, bias: b, padding: c.padding, activation: c.activation)
            }
            let tile = tuning.forcedTile ?? .two
            XCTAssertLessThan(relativeError(y.scalars, reference), Self.tolerance(tile), "\(tile)")
        }
    }

    /// F(4×4)'s error on layers shaped and scaled like VGG16's (ReLU inputs, He-initialised
    /// weights, 128 channels in and out at 28×28), forward and input gradient, against the
    /// Double reference; F(2×2) and im2col alongside, for scale. The bound of `tolerance`
    /// comes from these figures.
    func testLargeTileErrorOnVGGMagnitudes() throws {
        let c = Case(input: [1, 128, 28, 28], outChannels: 128, padding: .symmetric(1))
        let x = randomTensor(c.input, seed: 21).relu()
        let w = randomTensor(c.weight, seed: 22, scale: (2 / Float(9 * 128)).squareRoot())
        let b = randomTensor([c.outChannels], seed: 23, scale: 0.1)
        let dy = randomTensor([1, 128, 28, 28], seed: 24)
        let forward = naiveConv2d(x, w, b, c.config).values
        let backward = naiveConvTranspose2d(dy, w, nil, c.config).values
        func errors(_ policy: (inout KernelPolicy) -> Void) throws -> (Float, Float) {
            try withKernelPolicy(policy) {
                let xg = x.requiringGrad()
                let y = try xg.conv2d(weight: w, bias: b, padding: c.padding)
                try y.backward(seed: dy)
                return (relativeError(y.scalars, forward), relativeError(xg.grad?.scalars ?? [], backward))
            }
        }
        let two = try errors { $0.winogradTuning.forcedTile = .two }
        let four = try errors { $0.winogradTuning.forcedTile = .four }
        let im2col = try errors { $0.winograd = false }
        print("relative error forward / input gradient: F(2×2) \(two), F(4×4) \(four), im2col \(im2col)")
        XCTAssertLessThan(two.0, Self.tolerance(.two))
        XCTAssertLessThan(two.1, Self.tolerance(.two))
        XCTAssertLessThan(four.0, Self.tolerance(.four))
        XCTAssertLessThan(four.1, Self.tolerance(.four))
        // The larger tile really ran: it rounds differently, and worse, than the smaller.
        XCTAssertGreaterThan(four.0, two.0)
    }

    func testDispatch() {
        let policy = KernelPolicy()  // the real threshold
        func geo(_ channels: Int, k: Int = 3, stride: Int = 1, dilation: Int = 1) -> ConvGeometry {
            ConvGeometry(channels: channels, inH: 14, inW: 14, outH: 14 / stride, outW: 14 / stride, kh: k, kw: k,
                         stride: stride, dilation: dilation, padTop: 1, padLeft: 1)
        }
        XCTAssert(Winograd.applies(geo(32), m: 64, policy))
        XCTAssertFalse(Winograd.applies(geo(1), m: 32, policy))  // Fashion-MNIST's first conv…
        XCTAssert(Winograd.applies(geo(32), m: 1, policy))       // …but not its input gradient
        XCTAssertFalse(Winograd.applies(geo(3), m: 64, policy))  // VGG's first conv
        XCTAssertFalse(Winograd.applies(geo(16), m: 64, policy))
        XCTAssertFalse(Winograd.applies(geo(32, stride: 2), m: 64, policy))
        XCTAssertFalse(Winograd.applies(geo(32, dilation: 2), m: 64, policy))
        XCTAssertFalse(Winograd.applies(geo(32, k: 5), m: 64, policy))
        XCTAssertFalse(Winograd.applies(geo(32), m: 64, KernelPolicy(winograd: false)))
    }

    /// Which layers take 4×4 tiles at the real thresholds (see `Winograd.tile`).
    func testTileChoice() {
        let tuning = Winograd.Tuning()
        func tile(_ size: Int, _ c: Int, _ m: Int, batch: Int = 1) -> Winograd.Tile {
            let geo = ConvGeometry(channels: c, inH: size, inW: size, outH: size, outW: size, kh: 3, kw: 3,
                                   stride: 1, dilation: 1, padTop: 1, padLeft: 1)
            return Winograd.tile(geo, m: m, batch: batch, tuning)
        }
        // VGG16's 3×3 layers past the first, forward and input gradient alike, at batch 1.
        XCTAssertEqual(tile(224, 64, 64), .four)
        XCTAssertEqual(tile(112, 64, 128), .four)
        XCTAssertEqual(tile(112, 128, 64), .four)
        XCTAssertEqual(tile(112, 128, 128), .four)
        XCTAssertEqual(tile(56, 256, 256), .four)   // 196 tiles ≥ 128
        XCTAssertEqual(tile(28, 512, 512), .two)    // 49 tiles < 256…
        XCTAssertEqual(tile(28, 512, 512, batch: 6), .four)  // …294 ≥ 256
        XCTAssertEqual(tile(14, 512, 512, batch: 64), .two)  // too small a map
        // Fashion-MNIST's second conv (32 → 64 at 14×14) and its input gradient.
        XCTAssertEqual(tile(14, 32, 64, batch: 128), .two)
        XCTAssertEqual(tile(14, 64, 32, batch: 128), .two)
        // Few channels on either side.
        XCTAssertEqual(tile(224, 64, 3), .two)
        XCTAssertEqual(tile(56, 32, 64), .two)
        var forced = tuning
        forced.forcedTile = .four
        XCTAssertEqual(Winograd.tile(ConvGeometry(channels: 1, inH: 1, inW: 1, outH: 1, outW: 1, kh: 3, kw: 3,
                                                  stride: 1, dilation: 1, padTop: 1, padLeft: 1),
                                     m: 1, batch: 1, forced), .four)
    }

    /// The same conv with Winograd off (im2col) agrees to rounding: a check that the switch
    /// really changes the path (the outputs differ in some bits) and both are right.
    func testSwitchSelectsIm2col() throws {
        let c = Self.cases[0]
        let x = randomTensor(c.input, seed: 5), w = randomTensor(c.weight, seed: 6, scale: 0.3)
        let fast = try x.conv2d(weight: w, padding: c.padding).scalars
        let plain = try withKernelPolicy({ $0.winograd = false }) { try x.conv2d(weight: w, padding: c.padding).scalars }
        XCTAssertNotEqual(fast, plain)
        XCTAssertLessThan(relativeError(fast, plain), 1e-5)
    }

    func testFiniteDifferences() throws {
        let x = randomTensor([2, 8, 5, 6], seed: 1), w = randomTensor([8, 8, 3, 3], seed: 2, scale: 0.3)
        let b = randomTensor([8], seed: 3)
        try checkGradients([x, w, b]) { t in try t[0].conv2d(weight: t[1], bias: t[2], padding: .symmetric(1)) }
    }

    func testBitIdenticalAcrossThreadCounts() throws {
        func run(_ c: Case, threads: Int) throws -> [[Float]] {
            let x = randomTensor(c.input, seed: 1).requiringGrad()
            let w = randomTensor(c.weight, seed: 2, scale: 0.3)
            let b = randomTensor([c.outChannels], seed: 3)
            let y = try withThreads(threads) {
                let y = try x.conv2d(weight: w, bias: b, padding: c.padding, groups: c.groups, activation: c.activation)
                try y.backward(seed: randomTensor(y.shape, seed: 4))
                return y
            }
            return [y.scalars, x.grad?.scalars ?? []]
        }
        let cases = [
            // One block: split inside (by channel, by ξ) on 2 or 3 threads.
            Case(input: [1, 16, 14, 14], outChannels: 32, padding: .symmetric(1), activation: .relu),
            Case(input: [6, 16, 30, 30], outChannels: 16, padding: .symmetric(1)),
            Case(input: [3, 16, 9, 7], outChannels: 16, padding: .symmetric(1), groups: 2),
        ]
        // At the default block sizes, then at the smallest (many blocks, run one per worker).
        var large = KernelPolicy.current.winogradTuning, smallLarge = Self.smallBlocks
        large.forcedTile = .four
        smallLarge.forcedTile = .four
        for sizes in [KernelPolicy.current.winogradTuning, Self.smallBlocks, large, smallLarge] {
            try withKernelPolicy({ $0.winogradTuning = sizes }) {
                for c in cases {
                    let one = try run(c, threads: 1)
                    XCTAssertFalse(one[1].isEmpty)
                    let label = "\(c.input) → \(c.outChannels), blocks of \(sizes.blockFloats) floats, "
                        + "tile \(String(describing: sizes.forcedTile))"
                    XCTAssert(try one == run(c, threads: 2), "\(label): 1 vs 2 threads")
                    XCTAssert(try one == run(c, threads: 3), "\(label): 1 vs 3 threads")
                }
            }
        }
    }
}
