import Foundation

/// Winograd F(2×2, 3×3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional
/// Neural Networks", 2015) for 3×3 stride-1 undilated convs in gather form.
///
/// Each 2×2 block of outputs of one (output channel m, input channel c) pair is
///     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
/// with g the 3×3 filter and d the 4×4 input tile it reads (tiles overlap by 2):
///
///     Bᵀ = ⎡1  0 −1  0⎤      G = ⎡1    0    0  ⎤      Aᵀ = ⎡1  1  1  0⎤
///          ⎢0  1  1  0⎥          ⎢½    ½    ½  ⎥           ⎣0  1 −1 −1⎦
///          ⎢0 −1  1  0⎥          ⎢½   −½    ½  ⎥
///          ⎣0  1  0 −1⎦          ⎣0    0    1  ⎦
///
/// Summed over c, the elementwise product becomes 16 independent matrix products, one per
/// position ξ of the 4×4 transformed tile:  M_ξ[m, t] = Σ_c U_ξ[m, c] · V_ξ[c, t], with
/// U = G g Gᵀ (weights, [M × C] per ξ) and V = Bᵀ d B (input, [C × tiles] per ξ). They run
/// through the same OpenBLAS GEMM as im2col, on 16·C·tiles = 4·C·H·W inputs instead of
/// 9·C·H·W, and 2.25× fewer multiply-adds: 16 per 2×2 outputs instead of 36.
///
/// Tiles are cut into blocks of whole tile rows (spanning batch items, so small images
/// still give wide GEMMs) sized from the geometry alone. Every block computes the same
/// sums whichever thread runs it, and a lone block splits its transforms by channel and
/// its 16 GEMMs by ξ without changing any of them: results are bit-identical for any
/// thread count.
enum Winograd {
    /// Whether a gather-form conv with `m` output channels per group takes this path: a 3×3
    /// stride-1 undilated window over at least `minChannels` input channels per group.
    static func applies(_ geo: ConvGeometry, m: Int, _ policy: KernelPolicy = .current) -> Bool {
        policy.winograd && geo.kh == 3 && geo.kw == 3 && geo.stride == 1 && geo.dilation == 1
            && geo.channels >= policy.winogradTuning.minChannels && m > 0
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
        /// About this many floats of transformed input and output per block (256 tiles at 64
        /// channels in and out), so a block is still in cache when its GEMMs read it.
        var blockFloats = 1 << 19
        /// Fewer tiles than this make GEMMs too narrow to run at speed.
        var minBlockTiles = 128
    }
}

/// One Winograd convolution: its geometry and how its tiles are cut into blocks.
struct WinogradPlan {
    let geo: ConvGeometry
    let batch: Int, groups: Int, m: Int
    let tilesH: Int, tilesW: Int
    /// Tile rows of one group over the whole batch, and per block.
    let tileRows: Int, blockRows: Int
    var blocks: Int { (tileRows + blockRows - 1) / blockRows }
    var channels: Int { geo.channels }
    /// Scratch per block: V [16, C, tiles] then M [16, M, tiles], rows `rowStride` apart.
    var scratchCount: Int { 16 * (channels + m) * rowStride(blockRows * tilesW) }

    /// Rows of V and M hold a block's tiles and 8 floats of slack: the transforms then load
    /// and store whole 8-lane vectors, even past a block's last tile (the GEMMs skip it).
    func rowStride(_ tiles: Int) -> Int { tiles + 8 }

    init(_ geo: ConvGeometry, batch: Int, groups: Int, m: Int, tuning: Winograd.Tuning) {
        self.geo = geo
        self.batch = batch
        self.groups = groups
        self.m = m
        tilesH = (geo.outH + 1) / 2
        tilesW = (geo.outW + 1) / 2
        tileRows = batch * tilesH
        // Enough tiles that the block's V and M fill about `blockFloats`, at least
        // `minBlockTiles`, and at least M·C/(M + C): each block's GEMMs read all of U
        // (16·M·C) once more, which should cost no more than the block's own V and M
        // (16·(C + M)·tiles).
        let c = geo.channels
        let tiles = Swift.max(tuning.blockFloats / (16 * (c + m)), tuning.minBlockTiles, m * c / Swift.max(m + c, 1))
        blockRows = Swift.min(tileRows, Swift.max(1, (tiles + tilesW - 1) / tilesW))
    }

    /// y[n, g·M + m] = clamp(conv(x[n, g], weights) + bias) with weights already
    /// transformed: `u` is [groups, 16, M, C] (see `winogradWeights`).
    func run(
        _ x: UnsafePointer<Float>, u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        into y: UnsafeMutablePointer<Float>, clamp: ClampRange, threads: Int
    ) {
        let items = groups * blocks
        // Many blocks: one per worker at a time. Few: each in turn, split inside. Both
        // make the same GEMM calls and transforms, so the choice may follow the thread count.
        if threads == 1 || items >= 2 * threads {
            parallelChunks(items, scratch: scratchCount) { range, scratch in
                for item in range { runBlock(item, x, u: u, bias: bias, y, clamp, scratch: scratch, parallel: false) }
            }
        } else {
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
            defer { scratch.deallocate() }
            for item in 0..<items { runBlock(item, x, u: u, bias: bias, y, clamp, scratch: scratch, parallel: true) }
        }
    }

    private func runBlock(
        _ item: Int, _ x: UnsafePointer<Float>, u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        _ y: UnsafeMutablePointer<Float>, _ clamp: ClampRange, scratch: UnsafeMutablePointer<Float>, parallel: Bool
    ) {
        let g = item / blocks, b = item % blocks
        let rows = b * blockRows ..< Swift.min(tileRows, (b + 1) * blockRows)
        let tiles = rows.count * tilesW, ld = rowStride(tiles)
        let c = channels
        let v = scratch, mm = scratch + 16 * c * ld
        if parallel {
            parallelChannels(c) { transformInput(x, group: g, rows: rows, channels: $0, into: v) }
        } else {
            transformInput(x, group: g, rows: rows, channels: 0..<c, into: v)
        }
        let ug = u + g * 16 * m * c
        func product(_ xi: Int) {
            gemm(m: m, n: tiles, k: c, a: ug + xi * m * c, lda: c, b: v + xi * c * ld, ldb: ld,
                 c: mm + xi * m * ld, ldc: ld, parallel: false)
        }
        if parallel {
            Parallel.forEach(16, product)
        } else {
            for xi in 0..<16 { product(xi) }
        }
        if parallel {
            parallelChannels(m) { transformOutput(mm, group: g, rows: rows, outputs: $0, bias: bias, y, clamp) }
        } else {
            transformOutput(mm, group: g, rows: rows, outputs: 0..<m, bias: bias, y, clamp)
        }
    }

    /// V[ξ, c, t] = (Bᵀ d B)[ξ] for the tiles of tile rows `rows` (t counts from the block's
    /// first tile) and channels `range`.
    ///
    /// Eight tiles of a tile row at a time: tile tx reads input columns 2tx − padLeft + 0…3,
    /// so each input row is first split into even and odd columns (E[k] = column 2k − padLeft,
    /// O[k] = 2k + 1 − padLeft, zero outside the image); the tile's four columns are then
    /// E[tx], O[tx], E[tx+1], O[tx+1], all unit-stride. Neighbouring tile rows share two
    /// input rows, so split rows live in a ring of four slots (input row iy in slot iy mod 4)
    /// and each is split once; rows of padding point at one zero line.
    private func transformInput(
        _ x: UnsafePointer<Float>, group g: Int, rows: Range<Int>, channels range: Range<Int>,
        into v: UnsafeMutablePointer<Float>
    ) {
        let geo = self.geo, c = channels, ld = rowStride(rows.count * tilesW)
        // E/O lines long enough for the last 8-lane chunk's loads at tx + 1.
        let line = (tilesW + 7) / 8 * 8 + 8
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 12 * line) { buffer in
            let ring = buffer.baseAddress!  // slot s: E at 2s·line, O at (2s + 1)·line
            let zero = ring + 8 * line
            zero.update(repeating: 0, count: line)
            let padded = zero + line        // one input row, padded, 2·line floats
            for ch in range {
                var held = (-1, -1, -1, -1)  // the (image · inH + iy) each slot holds
                for r in rows {
                    let n = r / tilesH, ty = r % tilesH
                    let plane = x + ((n * groups + g) * c + ch) * geo.inPlane
                    var e = (zero, zero, zero, zero), o = (zero, zero, zero, zero)
                    for i in 0..<4 {
                        let iy = 2 * ty - geo.padTop + i
                        guard iy >= 0 && iy < geo.inH else { continue }
                        let slot = iy & 3, key = n * geo.inH + iy
                        let even = ring + 2 * slot * line, odd = even + line
                        if Self.slot(slot, of: held) != key {
                            splitRow(plane + iy * geo.inW, even: even, odd: odd, count: line, padded: padded)
                            Self.set(slot, of: &held, to: key)
                        }
                        Self.set(i, of: &e, to: even)
                        Self.set(i, of: &o, to: odd)
                    }
                    // Lanes past the row's last tile spill into the next row's first tiles, which
                    // that row (next in this loop) overwrites, or into the slack after the block.
                    let out = v + ch * ld + (r - rows.lowerBound) * tilesW
                    var tx = 0
                    while tx < tilesW {
                        transformTiles(even: e, odd: o, at: tx, into: out + tx, stride: c * ld)
                        tx += 8
                    }
                }
            }
        }
    }

    private typealias Four<T> = (T, T, T, T)

    @inline(__always)
    private static func slot<T>(_ i: Int, of t: Four<T>) -> T {
        switch i { case 0: t.0; case 1: t.1; case 2: t.2; default: t.3 }
    }

    @inline(__always)
    private static func set<T>(_ i: Int, of t: inout Four<T>, to value: T) {
        switch i { case 0: t.0 = value; case 1: t.1 = value; case 2: t.2 = value; default: t.3 = value }
    }

    /// even[k] = src[2k − padLeft], odd[k] = src[2k + 1 − padLeft], zero outside the row,
    /// for k < count (a multiple of 8): the row is copied once into `padded` (2·count
    /// floats) with its zeros, then de-interleaved 16 floats at a time. Fashion-MNIST's
    /// 14- and 28-column rows are too short for calls to memcpy/memset to pay.
    @inline(__always)
    private func splitRow(
        _ src: UnsafePointer<Float>, even: UnsafeMutablePointer<Float>, odd: UnsafeMutablePointer<Float>,
        count: Int, padded: UnsafeMutablePointer<Float>
    ) {
        let pl = geo.padLeft, total = 2 * count
        // padded[j] = src[j − pl] for j in [lo, hi); zero elsewhere.
        let lo = Swift.min(Swift.max(pl, 0), total), hi = Swift.min(Swift.max(pl + geo.inW, lo), total)
        for j in 0..<lo { padded[j] = 0 }
        let from = src + (lo - pl), n = hi - lo
        var j = 0
        while j + 8 <= n { storeVector(loadVector(from + j), padded + lo + j); j += 8 }
        while j < n { padded[lo + j] = from[j]; j += 1 }
        var t = hi
        while t < total && t & 7 != 0 { padded[t] = 0; t += 1 }
        while t < total { storeVector(SIMD8<Float>(repeating: 0), padded + t); t += 8 }
        var k = 0
        while k < count {
            let pairs = UnsafeRawPointer(padded + 2 * k).loadUnaligned(as: SIMD16<Float>.self)
            storeVector(pairs.evenHalf, even + k)
            storeVector(pairs.oddHalf, odd + k)
            k += 8
        }
    }

    /// Bᵀ d B for the 8 neighbouring tiles starting at tile `tx`, from the split lines of
    /// their four input rows; ξ = 4i + j goes to out[ξ·stride + lane].
    @inline(__always)
    private func transformTiles(
        even e: Four<UnsafeMutablePointer<Float>>, odd o: Four<UnsafeMutablePointer<Float>>, at tx: Int,
        into out: UnsafeMutablePointer<Float>, stride: Int
    ) {
        // Column streams of the 4×4 tile: d[i][0] = E_i[tx], d[i][1] = O_i[tx],
        // d[i][2] = E_i[tx+1], d[i][3] = O_i[tx+1].
        @inline(__always) func column(_ lines: Four<UnsafeMutablePointer<Float>>, _ off: Int)
            -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
            (loadVector(lines.0 + off), loadVector(lines.1 + off), loadVector(lines.2 + off), loadVector(lines.3 + off))
        }
        // Bᵀ down each column: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3.
        @inline(__always) func down(_ d: (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>))
            -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
            (d.0 - d.2, d.1 + d.2, d.2 - d.1, d.1 - d.3)
        }
        let c0 = down(column(e, tx)), c1 = down(column(o, tx)), c2 = down(column(e, tx + 1)), c3 = down(column(o, tx + 1))
        // Then B along each row: columns r0 − r2, r1 + r2, r2 − r1, r1 − r3.
        @inline(__always) func store(_ i: Int, _ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) {
            let o = out + 4 * i * stride
            storeVector(a - c, o)
            storeVector(b + c, o + stride)
            storeVector(c - b, o + 2 * stride)
            storeVector(b - d, o + 3 * stride)
        }
        store(0, c0.0, c1.0, c2.0, c3.0)
        store(1, c0.1, c1.1, c2.1, c3.1)
        store(2, c0.2, c1.2, c2.2, c3.2)
        store(3, c0.3, c1.3, c2.3, c3.3)
    }

    /// y = clamp(Aᵀ M A + bias) for output channels `range` of the block's tiles: each tile's
    /// 2×2 outputs, fewer at an odd bottom or right edge.
    private func transformOutput(
        _ mm: UnsafePointer<Float>, group g: Int, rows: Range<Int>, outputs range: Range<Int>,
        bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, _ clamp: ClampRange
    ) {
        let geo = self.geo, ld = rowStride(rows.count * tilesW), stride = m * ld
        let lo = SIMD8<Float>(repeating: clamp.lower), hi = SIMD8<Float>(repeating: clamp.upper)
        let pairs = geo.outW / 2  // tiles whose two output columns both exist
        for o in range {
            let b = SIMD8<Float>(repeating: bias?[g * m + o] ?? 0)
            for r in rows {
                let n = r / tilesH, ty = r % tilesH
                let plane = y + ((n * groups + g) * m + o) * geo.outPlane
                let top = plane + 2 * ty * geo.outW
                let hasBottom = 2 * ty + 1 < geo.outH
                let src = mm + o * ld + (r - rows.lowerBound) * tilesW
                var tx = 0
                while tx < tilesW {
                    let lanes = Swift.min(8, tilesW - tx)
                    // Lanes past the row's end read the next row's tiles or the slack: computed, not stored.
                    @inline(__always) func s(_ xi: Int) -> SIMD8<Float> { loadVector(src + xi * stride + tx) }
                    // Aᵀ down each column: rows m0 + m1 + m2 and m1 − m2 − m3.
                    @inline(__always) func down(_ j: Int) -> (SIMD8<Float>, SIMD8<Float>) {
                        let m1 = s(4 + j), m2 = s(8 + j)
                        return (s(j) + m1 + m2, m1 - m2 - s(12 + j))
                    }
                    let d0 = down(0), d1 = down(1), d2 = down(2), d3 = down(3)
                    // Then A along each row, bias and clamp.
                    @inline(__always) func finish(_ v: SIMD8<Float>) -> SIMD8<Float> {
                        var v = v + b
                        v.replace(with: lo, where: v .< lo)
                        v.replace(with: hi, where: v .> hi)
                        return v
                    }
                    let y00 = finish(d0.0 + d1.0 + d2.0), y01 = finish(d1.0 - d2.0 - d3.0)
                    let full = Swift.max(0, Swift.min(lanes, pairs - tx))
                    interleave(y00, y01, into: top + 2 * tx, full: full, lanes: lanes)
                    if hasBottom {
                        let y10 = finish(d0.1 + d1.1 + d2.1), y11 = finish(d1.1 - d2.1 - d3.1)
                        interleave(y10, y11, into: top + geo.outW + 2 * tx, full: full, lanes: lanes)
                    }
                    tx += 8
                }
            }
        }
    }

    /// row[2l] = even[l], row[2l + 1] = odd[l] for l < full; then the even column alone
    /// for the one tile (if any) whose right output falls off an odd-width edge.
    @inline(__always)
    private func interleave(_ even: SIMD8<Float>, _ odd: SIMD8<Float>, into row: UnsafeMutablePointer<Float>,
                            full: Int, lanes: Int) {
        if full == 8 {
            var pairs = SIMD16<Float>()
            pairs.evenHalf = even
            pairs.oddHalf = odd
            UnsafeMutableRawPointer(row).storeBytes(of: pairs, as: SIMD16<Float>.self)
            return
        }
        for l in 0..<full {
            row[2 * l] = even[l]
            row[2 * l + 1] = odd[l]
        }
        if full < lanes { row[2 * full] = even[full] }
    }
}

/// U[g, ξ, o, i] = (G f Gᵀ)[ξ] for every filter f of a gather-form weight matrix `w`
/// [groups·outputs, inputs·9], or, with `flipped`, of the conv that carries a gradient
/// back through it: `w` is then [groups·inputs, outputs·9] (the forward conv's weight) and
/// f = w[g·inputs + i, o] rotated by 180°, as `convInputGradient` would build it. Returned
/// as a fresh [groups, 16, outputs, inputs] buffer the caller deallocates.
///
/// Eight filters (neighbouring i) at a time, so each of the 16 results is one contiguous
/// 8-float store: VGG's 512×512 layers transform 262K filters per call.
func winogradWeights(
    _ w: UnsafePointer<Float>, groups: Int, outputs: Int, inputs: Int, flipped: Bool
) -> UnsafeMutablePointer<Float> {
    let plane = outputs * inputs
    let u = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(groups * 16 * plane, 1))
    // Filter (o, i) of group g starts at `first + o·oStep + i·iStep`; its tap t is at +t,
    // or at +(8 − t) when flipped.
    let oStep = flipped ? 9 : inputs * 9, iStep = flipped ? outputs * 9 : 9
    let groupStep = outputs * inputs * 9
    parallelChannels(groups * outputs) { range in
        for go in range {
            let g = go / outputs, o = go % outputs
            let dst = u + g * 16 * plane + o * inputs
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
                transformFilter(tap(0), tap(1), tap(2), tap(3), tap(4), tap(5), tap(6), tap(7), tap(8)) { xi, v in
                    storePartial(v, dst + xi * plane + i, lanes)
                }
                i += 8
            }
        }
    }
    return u
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
