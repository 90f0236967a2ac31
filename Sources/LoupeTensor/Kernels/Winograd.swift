import CLoupeKernels
import Foundation

/// Winograd convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
/// 2015) for 3×3 stride-1 undilated convs in gather form, with 2×2 or 4×4 output tiles.
///
/// Each m×m block of outputs of one (output channel, input channel) pair is
///     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
/// with g the 3×3 filter and d the (m + 2)×(m + 2) input tile it reads (tiles overlap by 2).
/// F(2×2, 3×3), interpolation points 0, ±1, ∞:
///
///     Bᵀ = ⎡1  0 −1  0⎤      G = ⎡1    0    0  ⎤      Aᵀ = ⎡1  1  1  0⎤
///          ⎢0  1  1  0⎥          ⎢½    ½    ½  ⎥           ⎣0  1 −1 −1⎦
///          ⎢0 −1  1  0⎥          ⎢½   −½    ½  ⎥
///          ⎣0  1  0 −1⎦          ⎣0    0    1  ⎦
///
/// F(4×4, 3×3), points 0, ±1, ±2, ∞ (the matrices of the paper, NNPACK and wincnn):
///
///     Bᵀ = ⎡4  0 −5  0  1  0⎤      G = ⎡ ¼     0     0  ⎤      Aᵀ = ⎡1  1  1  1  1  0⎤
///          ⎢0 −4 −4  1  1  0⎥          ⎢−⅙    −⅙    −⅙  ⎥           ⎢0  1 −1  2 −2  0⎥
///          ⎢0  4 −4 −1  1  0⎥          ⎢−⅙     ⅙    −⅙  ⎥           ⎢0  1  1  4  4  0⎥
///          ⎢0 −2 −1  2  1  0⎥          ⎢1/24  1/12  1/6 ⎥           ⎣0  1 −1  8 −8  1⎦
///          ⎢0  2 −1 −2  1  0⎥          ⎢1/24 −1/12  1/6 ⎥
///          ⎣0  4  0 −5  0  1⎦          ⎣ 0     0     1  ⎦
///
/// Summed over c, the elementwise product becomes (m + 2)² independent matrix products, one
/// per position ξ of the transformed tile:  M_ξ[o, t] = Σ_c U_ξ[o, c] · V_ξ[c, t], with
/// U = G g Gᵀ (weights, [M × C] per ξ) and V = Bᵀ d B (input, [C × tiles] per ξ). They run
/// through the same OpenBLAS GEMM as im2col: per output, 16/4 = 4 multiply-adds per input
/// channel with 2×2 tiles and 36/16 = 2.25 with 4×4, against im2col's 9.
///
/// The larger tile costs precision: its transforms multiply by up to 8 (Aᵀ) and 5 (Bᵀ) and
/// divide by 24 (G), so fp32 rounding grows by roughly an order of magnitude (WinogradTests
/// measures it against a Double-precision direct conv), and its edge tiles compute up to 3
/// rows and columns of outputs for nothing, which small maps cannot afford; see
/// `Tuning.largeTileMinWidth`.
///
/// Tiles are cut into blocks of whole tile rows (spanning batch items, so small images
/// still give wide GEMMs) sized from the geometry alone. Every block computes the same
/// sums whichever thread runs it, and a lone block splits its transforms by channel and
/// its GEMMs by ξ without changing any of them: results are bit-identical for any thread
/// count.
enum Winograd {
    /// Whether a gather-form conv with `m` output channels per group takes this path: a 3×3
    /// stride-1 undilated window over at least `minChannels` input channels per group.
    static func applies(_ geo: ConvGeometry, m: Int, _ policy: KernelPolicy = .current) -> Bool {
        policy.winograd && geo.kh == 3 && geo.kw == 3 && geo.stride == 1 && geo.dilation == 1
            && geo.channels >= policy.winogradTuning.minChannels && m > 0
    }

    /// The output tile of a conv that `applies` over `batch` images: 4×4 on maps at least
    /// `largeTileMinWidth` wide and high, with at least `largeTileMinChannels` channels on
    /// both sides, and at least M·C/(M + C) tiles per group. Every block's 36 GEMMs pack all
    /// of U (36·M·C floats) against the block's own 36·(C + M)·tiles of V and M, so with
    /// fewer tiles the larger U costs more than the multiplies saved (VGG's 512-channel
    /// layers at 28×28: 49 tiles against 256, 2.2× slower than 2×2 tiles).
    static func tile(_ geo: ConvGeometry, m: Int, batch: Int, _ tuning: Tuning) -> Tile {
        if let forced = tuning.forcedTile { return forced }
        let c = geo.channels, tiles = batch * ((geo.outH + 3) / 4) * ((geo.outW + 3) / 4)
        let wide = Swift.min(geo.outW, geo.outH) >= tuning.largeTileMinWidth
        return wide && Swift.min(c, m) >= tuning.largeTileMinChannels && tiles * (m + c) >= m * c ? .four : .two
    }

    /// F(2×2, 3×3) or F(4×4, 3×3).
    enum Tile: Hashable, Sendable {
        case two, four

        /// Outputs along each side of a tile.
        var outputs: Int { self == .two ? 2 : 4 }
        /// Positions ξ of the transformed tile ((outputs + 2)²): one GEMM each.
        var positions: Int { (outputs + 2) * (outputs + 2) }
    }

    /// Where Winograd pays off and how its tiles are blocked.
    struct Tuning: Sendable {
        /// Below this many input channels im2col wins: its one GEMM sums over 9·C, each of
        /// Winograd's 16 over only C, and with C = 16 those are too short for OpenBLAS to run
        /// near its peak (16→64 channels at 28×28: 0.87× im2col; 32→64 at 14×14, batch 128:
        /// 1.2–1.5×; 3→64, VGG's first conv: 0.4×). Few output channels, on the other hand,
        /// favour Winograd: im2col then spends its time unfolding 9·C rows for a GEMM with
        /// M = 1 to 3 (the input gradients of Fashion-MNIST's and VGG's first convs: 1.6×).
        var minChannels = 32
        /// 4×4 tiles need outputs at least this wide and high: on a 14×14 map their edge
        /// tiles compute 16×16 outputs for 14×14 (31% more multiplies, which ate the gain
        /// on Fashion-MNIST's 32→64 conv: 1.5× slower than 2×2 tiles) …
        var largeTileMinWidth = 16
        /// … and this many input and output channels (GEMMs summing over fewer run too
        /// far below OpenBLAS's peak to make up for the larger transforms).
        var largeTileMinChannels = 64
        /// About this many floats of transformed input and output per block (256 tiles at 64
        /// channels in and out with 2×2 tiles), so a block is still in cache when its GEMMs
        /// read it.
        var blockFloats = 1 << 19
        /// Fewer tiles than this make GEMMs too narrow to run at speed.
        var minBlockTiles = 128
        /// Forces one tile size (tests), instead of the thresholds above.
        var forcedTile: Tile?
    }
}

/// One Winograd convolution: its geometry, its tile and how its tiles are cut into blocks.
///
/// The input transform (V[ξ, c, t] = (Bᵀ d B)[ξ]) and the output transform
/// (y = clamp(Aᵀ M A + bias)) are CLoupeKernels' loops. The input transform splits each input
/// row into its column phases (2 or 4, the tile's step), so a tile's columns are unit-stride
/// streams and eight or sixteen neighbouring tiles transform at once; rows shared by
/// neighbouring tile rows are split once.
struct WinogradPlan {
    let geo: ConvGeometry
    let cgeo: loupe_conv_geometry
    let tile: Winograd.Tile
    let batch: Int, groups: Int, m: Int
    let tilesH: Int, tilesW: Int
    /// Tile rows of one group over the whole batch, and per block.
    let tileRows: Int, blockRows: Int
    var blocks: Int { (tileRows + blockRows - 1) / blockRows }
    var channels: Int { geo.channels }
    var positions: Int { tile.positions }
    /// Scratch per block: V [ξ, C, tiles] then M [ξ, M, tiles], rows `rowStride` apart.
    var scratchCount: Int { positions * (channels + m) * rowStride(blockRows * tilesW) }

    /// Rows of V and M hold a block's tiles and a vector of slack: the transforms then load
    /// and store whole vectors (up to 16 lanes), even past a block's last tile (the GEMMs
    /// skip it).
    func rowStride(_ tiles: Int) -> Int { tiles + Int(LOUPE_KERNELS_SLACK) }

    init(_ geo: ConvGeometry, batch: Int, groups: Int, m: Int, tuning: Winograd.Tuning) {
        self.geo = geo
        cgeo = geo.c
        tile = Winograd.tile(geo, m: m, batch: batch, tuning)
        self.batch = batch
        self.groups = groups
        self.m = m
        let step = tile.outputs
        tilesH = (geo.outH + step - 1) / step
        tilesW = (geo.outW + step - 1) / step
        tileRows = batch * tilesH
        // Enough tiles that the block's V and M fill about `blockFloats`, at least
        // `minBlockTiles`, and at least M·C/(M + C): each block's GEMMs read all of U
        // (ξ·M·C) once more, which should cost no more than the block's own V and M
        // (ξ·(C + M)·tiles).
        let c = geo.channels
        let tiles = Swift.max(tuning.blockFloats / (tile.positions * (c + m)), tuning.minBlockTiles,
                              m * c / Swift.max(m + c, 1))
        blockRows = Swift.min(tileRows, Swift.max(1, (tiles + tilesW - 1) / tilesW))
    }

    /// y[n, g·M + m] = clamp(conv(x[n, g], weights) + bias) with weights already
    /// transformed: `u` is [groups, ξ, M, C] (see `winogradWeights`, for this plan's tile).
    func run(
        _ x: UnsafePointer<Float>, u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>, clamp: ClampRange, threads: Int, variant: Int32
    ) {
        let items = groups * blocks
        // Many blocks: one per worker at a time. Few: each in turn, split inside. Both
        // make the same GEMM calls and transforms, so the choice may follow the thread count.
        if threads == 1 || items >= 2 * threads {
            parallelChunks(items, scratch: scratchCount) { range, scratch in
                for item in range {
                    runBlock(item, x, u: u, bias: bias, y, clamp, scratch: scratch, parallel: false, variant: variant)
                }
            }
        } else {
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
            defer { scratch.deallocate() }
            for item in 0..<items {
                runBlock(item, x, u: u, bias: bias, y, clamp, scratch: scratch, parallel: true, variant: variant)
            }
        }
    }

    private func runBlock(
        _ item: Int, _ x: UnsafePointer<Float>, u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ y: UnsafeMutablePointer<Float>, _ clamp: ClampRange, scratch: UnsafeMutablePointer<Float>, parallel: Bool,
        variant: Int32
    ) {
        let g = item / blocks, b = item % blocks
        let rows = b * blockRows ..< Swift.min(tileRows, (b + 1) * blockRows)
        let tiles = rows.count * tilesW, ld = rowStride(tiles)
        let c = channels, positions = positions
        let v = scratch, mm = scratch + positions * c * ld
        let transformIn = tile == .two ? loupe_winograd_input : loupe_winograd4_input
        let transformOut = tile == .two ? loupe_winograd_output : loupe_winograd4_output
        func transformInput(_ channels: Range<Int>) {
            withUnsafePointer(to: cgeo) {
                transformIn(variant, $0, groups, g, tilesH, tilesW, rows.lowerBound, rows.upperBound,
                            channels.lowerBound, channels.upperBound, x, v, ld)
            }
        }
        if parallel {
            parallelChannels(c, transformInput)
        } else {
            transformInput(0..<c)
        }
        let ug = u + g * positions * m * c
        func product(_ xi: Int) {
            gemm(m: m, n: tiles, k: c, a: ug + xi * m * c, lda: c, b: v + xi * c * ld, ldb: ld,
                 c: mm + xi * m * ld, ldc: ld, parallel: false)
        }
        if parallel {
            Parallel.forEach(positions, product)
        } else {
            for xi in 0..<positions { product(xi) }
        }
        func transformOutput(_ outputs: Range<Int>) {
            withUnsafePointer(to: cgeo) {
                transformOut(variant, $0, groups, g, m, tilesH, tilesW, rows.lowerBound, rows.upperBound,
                             outputs.lowerBound, outputs.upperBound, mm, ld, bias, y, clamp.lower, clamp.upper)
            }
        }
        if parallel {
            parallelChannels(m, transformOutput)
        } else {
            transformOutput(0..<m)
        }
    }
}

/// U[g, ξ, o, i] = (G f Gᵀ)[ξ] for every filter f of a gather-form weight matrix `w`
/// [groups·outputs, inputs·9], with the G of `tile`, or, with `flipped`, of the conv that
/// carries a gradient back through it: `w` is then [groups·inputs, outputs·9] (the forward
/// conv's weight) and f = w[g·inputs + i, o] rotated by 180°, as `convInputGradient` would
/// build it. Returned as a [groups, ξ, outputs, inputs] buffer from `BlockPool`, given back
/// when the last reference goes: VGG's 512×512 layers need 16.8 MB (2×2 tiles) or 37.7 MB
/// (4×4) per call, and fresh pages cost more than the transform itself.
///
/// Eight filters (neighbouring i) at a time, so each of the ξ results is one contiguous
/// 8-float store: VGG's 512×512 layers transform 262K filters per call.
func winogradWeights(
    _ w: UnsafePointer<Float>, groups: Int, outputs: Int, inputs: Int, flipped: Bool, tile: Winograd.Tile = .two
) -> WinogradFilters {
    let plane = outputs * inputs, positions = tile.positions
    let filters = WinogradFilters(count: Swift.max(groups * positions * plane, 1))
    let u = filters.base
    // Filter (o, i) of group g starts at `first + o·oStep + i·iStep`; its tap t is at +t,
    // or at +(8 − t) when flipped.
    let oStep = flipped ? 9 : inputs * 9, iStep = flipped ? outputs * 9 : 9
    let groupStep = outputs * inputs * 9
    parallelChannels(groups * outputs) { range in
        for go in range {
            let g = go / outputs, o = go % outputs
            let dst = u + g * positions * plane + o * inputs
            let filters = w + g * groupStep + o * oStep
            var i = 0
            while i < inputs {
                let lanes = Swift.min(8, inputs - i), first = filters + i * iStep
                @inline(__always) func tap(_ t: Int) -> SIMD8<Float> {
                    var v = SIMD8<Float>()
                    let p = first + (flipped ? 8 - t : t)
                    for l in 0..<lanes { v[l] = p[l * iStep] }
                    return v
                }
                let f = (tap(0), tap(1), tap(2), tap(3), tap(4), tap(5), tap(6), tap(7), tap(8))
                switch tile {
                case .two:
                    transformFilter(f.0, f.1, f.2, f.3, f.4, f.5, f.6, f.7, f.8) { xi, v in
                        storePartial(v, dst + xi * plane + i, lanes)
                    }
                case .four:
                    transformFilter6(f.0, f.1, f.2, f.3, f.4, f.5, f.6, f.7, f.8) { xi, v in
                        storePartial(v, dst + xi * plane + i, lanes)
                    }
                }
                i += 8
            }
        }
    }
    return filters
}

/// G f Gᵀ for 3×3 filters f (taps row-major, one filter per lane), handed to `store` as
/// (ξ, vector), ξ row-major: G down each column (f₀, ½(f₀+f₁+f₂), ½(f₀−f₁+f₂), f₂), then
/// the same along each row.
@inline(__always)
func transformFilter(
    _ f0: SIMD8<Float>, _ f1: SIMD8<Float>, _ f2: SIMD8<Float>, _ f3: SIMD8<Float>, _ f4: SIMD8<Float>,
    _ f5: SIMD8<Float>, _ f6: SIMD8<Float>, _ f7: SIMD8<Float>, _ f8: SIMD8<Float>,
    store: (Int, SIMD8<Float>) -> Void
) {
    typealias V = SIMD8<Float>
    @inline(__always) func g3(_ a: V, _ b: V, _ c: V) -> (V, V, V, V) {
        (a, 0.5 * (a + b + c), 0.5 * (a - b + c), c)
    }
    let c0 = g3(f0, f3, f6), c1 = g3(f1, f4, f7), c2 = g3(f2, f5, f8)
    @inline(__always) func row(_ k: Int, _ r: (V, V, V, V)) {
        store(4 * k, r.0)
        store(4 * k + 1, r.1)
        store(4 * k + 2, r.2)
        store(4 * k + 3, r.3)
    }
    row(0, g3(c0.0, c1.0, c2.0))
    row(1, g3(c0.1, c1.1, c2.1))
    row(2, g3(c0.2, c1.2, c2.2))
    row(3, g3(c0.3, c1.3, c2.3))
}

/// G f Gᵀ with F(4×4, 3×3)'s 6×3 G, handed to `store` as (ξ, vector), ξ row-major: G down
/// each column (¼f₀, −⅙(f₀+f₁+f₂), −⅙(f₀−f₁+f₂), f₀/24 + f₁/12 + f₂/6, f₀/24 − f₁/12 + f₂/6,
/// f₂), then the same along each row.
@inline(__always)
func transformFilter6(
    _ f0: SIMD8<Float>, _ f1: SIMD8<Float>, _ f2: SIMD8<Float>, _ f3: SIMD8<Float>, _ f4: SIMD8<Float>,
    _ f5: SIMD8<Float>, _ f6: SIMD8<Float>, _ f7: SIMD8<Float>, _ f8: SIMD8<Float>,
    store: (Int, SIMD8<Float>) -> Void
) {
    typealias V = SIMD8<Float>
    @inline(__always) func g6(_ a: V, _ b: V, _ c: V) -> (V, V, V, V, V, V) {
        let sixth: Float = 1 / 6, twelfth: Float = 1 / 12, twentyFourth: Float = 1 / 24
        let ac = a + c, edge = a * twentyFourth + c * sixth, mid = b * twelfth
        return (a * 0.25, (ac + b) * -sixth, (ac - b) * -sixth, edge + mid, edge - mid, c)
    }
    let c0 = g6(f0, f3, f6), c1 = g6(f1, f4, f7), c2 = g6(f2, f5, f8)
    @inline(__always) func row(_ k: Int, _ r: (V, V, V, V, V, V)) {
        store(6 * k, r.0)
        store(6 * k + 1, r.1)
        store(6 * k + 2, r.2)
        store(6 * k + 3, r.3)
        store(6 * k + 4, r.4)
        store(6 * k + 5, r.5)
    }
    row(0, g6(c0.0, c1.0, c2.0))
    row(1, g6(c0.1, c1.1, c2.1))
    row(2, g6(c0.2, c1.2, c2.2))
    row(3, g6(c0.3, c1.3, c2.3))
    row(4, g6(c0.4, c1.4, c2.4))
    row(5, g6(c0.5, c1.5, c2.5))
}
