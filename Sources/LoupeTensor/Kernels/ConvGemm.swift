/// GEMM-based convolution drivers shared by conv2d and convTranspose2d.
///
/// Work is cut into independent items (batch item × group × tile of output rows, sized
/// from the geometry alone) spread over the workers, each with its own scratch; a lone
/// item (batch 1, one group, one tile) instead parallelises inside its im2col/col2im (by
/// channel) and its GEMM (by 48-row blocks). Each item's arithmetic is the same whichever
/// thread runs it, so results are bit-identical for any thread count.
///
/// 3×3 stride-1 gather convs with enough input channels go to Winograd F(2×2, 3×3) or
/// F(4×4, 3×3) instead (Winograd.swift), the same convs in both directions: forward and the stride-1
/// input gradient.
///
/// Weights are always a [groups·M, channels·kh·kw] matrix: M rows per group, the columns
/// in im2col row order. conv2d's weight [Cout, Cin/g, kh, kw] is that matrix with M = Cout/g;
/// convTranspose2d's [Cin, Cout/g, kh, kw] is it with M = Cin/g.

import CLoupeKernels

/// Splits `n` independent indices into one contiguous chunk per worker, each with its own
/// scratch buffer of `count` floats (allocated once per chunk, not per index).
@inline(__always)
func parallelChunks(_ n: Int, scratch count: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
    let chunks = Swift.min(KernelPolicy.current.threads, n)
    guard chunks > 0 else { return }
    Parallel.forEach(chunks) { c in
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        defer { buffer.deallocate() }
        body(n * c / chunks ..< n * (c + 1) / chunks, buffer)
    }
}

/// Runs `run(item, scratch, parallel)` for items 0..<n. A lone item gets every worker
/// (`parallel` true: its GEMM and im2col/col2im split the work); several are split into
/// one chunk per worker that runs its items serially on its own scratch of `count` floats.
@inline(__always)
func forEachConvItem(_ n: Int, scratch count: Int, _ run: (Int, UnsafeMutablePointer<Float>, Bool) -> Void) {
    if n == 1 {
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        defer { scratch.deallocate() }
        run(0, scratch, true)
        return
    }
    parallelChunks(n, scratch: count) { range, scratch in
        for item in range { run(item, scratch, false) }
    }
}

/// Runs `body` over channel ranges, one per worker (a lone unit's im2col/col2im).
@inline(__always)
func parallelChannels(_ channels: Int, _ body: (Range<Int>) -> Void) {
    let chunks = Swift.min(KernelPolicy.current.threads, channels)
    Parallel.forEach(chunks) { c in body(channels * c / chunks ..< channels * (c + 1) / chunks) }
}

/// Output rows per im2col tile: about `tileFloats` of column matrix, so a tile is still
/// in cache when its GEMM reads it, but at least ~128 columns so the GEMM stays efficient,
/// and at least as large as the weight matrix (`weights` floats): every GEMM call packs
/// all of its weights again, which for VGG's 512-channel layers cost more than the tile's
/// own traffic. It depends on the geometry only: tiles change which sums a GEMM call
/// makes, and the thread count must not.
func convTileRows(_ geo: ConvGeometry, weights: Int = 0, tileFloats: Int = 1 << 18) -> Int {
    let byCache = Swift.max(tileFloats, weights) / Swift.max(geo.colRows * geo.outW, 1)
    let byWidth = (128 + geo.outW - 1) / geo.outW
    return Swift.min(geo.outH, Swift.max(byCache, byWidth, 1))
}

/// y[n, g·M + m] = clamp(W[g·M + m, :] · col(x[n, g]) + bias): a convolution in gather form.
/// `x` is [batch, groups·channels, inH, inW]; `y` is [batch, groups·M, outH, outW], fully written.
/// Work items are (unit, tile of output positions); a lone item splits its GEMM by rows
/// instead. Bias and clamp (a fused ReLU) are applied to each tile right after its GEMM,
/// while it is still in cache.
func convGather(
    _ x: UnsafePointer<Float>, batch: Int, groups: Int, _ geo: ConvGeometry,
    weights w: UnsafePointer<Float>, m: Int, bias: UnsafePointer<Float>?,
    into y: UnsafeMutablePointer<Float>, clamp: ClampRange = .none, frozen: TensorStorage? = nil
) {
    let units = batch * groups
    let inUnit = geo.channels * geo.inPlane, outUnit = m * geo.outPlane, wUnit = m * geo.colRows
    guard geo.colRows > 0 else {
        // No input channels: a GEMM with k = 0 might leave C untouched.
        y.update(repeating: 0, count: units * outUnit)
        if let bias { finishBias(y, bias, batch: batch, channels: groups * m, plane: geo.outPlane) }
        if clamp.active { applyClamp(y, count: units * outUnit, clamp) }
        return
    }
    let policy = KernelPolicy.current
    // Few input channels (a first layer) or few outputs (its input gradient): direct.
    if prefersDirectConv(geo, m: m, groups: groups, policy) {
        directConv(x, batch: batch, geo, weights: w, m: m, bias: bias, into: y, clamp: clamp)
        return
    }
    if Winograd.applies(geo, m: m, policy) {
        let plan = WinogradPlan(geo, batch: batch, groups: groups, m: m, tuning: policy.winogradTuning)
        let u = WinogradFilterCache.filters(w, storage: frozen, groups: groups, outputs: m, inputs: geo.channels,
                                            flipped: false, tile: plan.tile)
        withExtendedLifetime(u) {
            plan.run(x, u: u.base, bias: bias, into: y, clamp: clamp, threads: policy.threads, variant: policy.kernelCode)
        }
        return
    }
    let pointwise = geo.isPointwise
    // A pointwise conv tiles by columns of ~64K floats of output: OpenBLAS zeroes C before
    // adding the product into it (beta = 0), and a tile that stays in cache between the two
    // passes, and for the epilogue, goes to memory once. Other convs tile by output rows.
    let width = pointwise ? pointwiseTileWidth(plane: geo.outPlane, rows: m) : 0
    let tileRows = pointwise ? 1 : convTileRows(geo, weights: wUnit)
    let tiles = pointwise ? (geo.outPlane + width - 1) / width : (geo.outH + tileRows - 1) / tileRows
    let items = units * tiles
    let colCount = pointwise ? 0 : geo.colRows * tileRows * geo.outW
    let variant = policy.kernelCode

    func run(_ item: Int, col: UnsafeMutablePointer<Float>, parallel: Bool) {
        let u = item / tiles, t = item % tiles, g = u % groups
        let xin = x + u * inUnit
        let p0: Int, cols: Int
        let b: UnsafePointer<Float>, ldb: Int
        if pointwise {
            (p0, cols) = (t * width, Swift.min(width, geo.outPlane - t * width))
            (b, ldb) = (xin + p0, geo.inPlane)
        } else {
            let rows = t * tileRows ..< Swift.min(geo.outH, (t + 1) * tileRows)
            (p0, cols) = (rows.lowerBound * geo.outW, rows.count * geo.outW)
            if parallel {
                parallelChannels(geo.channels) { im2col(xin, col, geo, channels: $0, outputRows: rows, variant: variant) }
            } else {
                im2col(xin, col, geo, outputRows: rows, variant: variant)
            }
            (b, ldb) = (UnsafePointer(col), cols)
        }
        let yout = y + u * outUnit + p0
        gemm(m: m, n: cols, k: geo.colRows, a: w + g * wUnit, lda: geo.colRows,
             b: b, ldb: ldb, c: yout, ldc: geo.outPlane, parallel: parallel)
        guard bias != nil || clamp.active else { return }
        for r in 0..<m {
            biasClampRow(yout + r * geo.outPlane, count: cols, bias: bias?[g * m + r] ?? 0, clamp, variant: variant)
        }
    }

    forEachConvItem(items, scratch: colCount, run)
}

/// dx[n, g] = col2im(W_gᵀ · dy[n, g]): the adjoint of `convGather` (scatter form), added
/// into `dx` (zero-filled by the caller). Each unit goes tile by tile of output rows, so
/// the GEMM's product is still in cache when col2im spreads it; tiles of one unit overlap
/// in dx and run in order, units run in parallel.
func convScatter(
    _ dy: UnsafePointer<Float>, batch: Int, groups: Int, _ geo: ConvGeometry,
    weights w: UnsafePointer<Float>, m: Int, into dx: UnsafeMutablePointer<Float>
) {
    guard m > 0 else { return }  // nothing flows back (and a k = 0 GEMM might not write `col`)
    if geo.isPointwise {
        pointwiseTransposed(dy, batch: batch, groups: groups, geo, weights: w, m: m, into: dx)
        return
    }
    let units = batch * groups
    let inUnit = geo.channels * geo.inPlane, outUnit = m * geo.outPlane, wUnit = m * geo.colRows
    let tileRows = convTileRows(geo, weights: wUnit), tiles = (geo.outH + tileRows - 1) / tileRows
    let colCount = geo.colRows * tileRows * geo.outW

    func run(_ u: Int, col: UnsafeMutablePointer<Float>, parallel: Bool) {
        let dxu = dx + u * inUnit
        for t in 0..<tiles {
            let rows = t * tileRows ..< Swift.min(geo.outH, (t + 1) * tileRows)
            let p0 = rows.lowerBound * geo.outW, cols = rows.count * geo.outW
            gemm(transA: true, m: geo.colRows, n: cols, k: m, a: w + (u % groups) * wUnit, lda: geo.colRows,
                 b: dy + u * outUnit + p0, ldb: geo.outPlane, c: col, ldc: cols, parallel: parallel)
            if parallel {
                parallelChannels(geo.channels) { col2im(col, dxu, geo, channels: $0, outputRows: rows) }
            } else {
                col2im(col, dxu, geo, outputRows: rows)
            }
        }
    }

    forEachConvItem(units, scratch: colCount, run)
}

/// dx[n, g] = W_gᵀ · dy[n, g] for a pointwise conv, written (not added) straight into dx.
/// Split into column tiles of ~64K floats of dx: OpenBLAS first zeroes C (beta = 0) and
/// then adds the product, and a tile small enough to stay in cache between the two
/// passes is written to memory once instead of three times.
func pointwiseTransposed(
    _ dy: UnsafePointer<Float>, batch: Int, groups: Int, _ geo: ConvGeometry,
    weights w: UnsafePointer<Float>, m: Int, into dx: UnsafeMutablePointer<Float>
) {
    let units = batch * groups, plane = geo.outPlane, c = geo.channels
    let width = pointwiseTileWidth(plane: plane, rows: c)
    let tiles = (plane + width - 1) / width, items = units * tiles

    forEachConvItem(items, scratch: 0) { item, _, parallel in
        let u = item / tiles, c0 = (item % tiles) * width, cols = Swift.min(width, plane - c0)
        gemm(transA: true, m: c, n: cols, k: m, a: w + (u % groups) * m * c, lda: c,
             b: dy + u * m * plane + c0, ldb: plane, c: dx + u * c * plane + c0, ldc: plane, parallel: parallel)
    }
}

/// The gradient with respect to the gathered image: dx = Σ taps of Wᵀ·dy.
/// At stride 1 this is itself a gather-form convolution of dy with the flipped, transposed
/// filters (padding (k−1)·d − pad), which turns the scatter-add of col2im into the same
/// well-shaped GEMM as the forward pass. Larger strides use the scatter form.
/// `dx` is [batch, groups·channels, inH, inW], fully written.
func convInputGradient(
    _ dy: UnsafePointer<Float>, batch: Int, groups: Int, _ geo: ConvGeometry,
    weights w: UnsafePointer<Float>, m: Int, into dx: UnsafeMutablePointer<Float>, frozen: TensorStorage? = nil
) {
    if geo.isPointwise {
        guard m > 0 else {
            dx.update(repeating: 0, count: batch * groups * geo.channels * geo.inPlane)
            return
        }
        pointwiseTransposed(dy, batch: batch, groups: groups, geo, weights: w, m: m, into: dx)
        return
    }
    guard geo.stride == 1 else {
        dx.update(repeating: 0, count: batch * groups * geo.channels * geo.inPlane)
        convScatter(dy, batch: batch, groups: groups, geo, weights: w, m: m, into: dx)
        return
    }
    let taps = geo.taps, c = geo.channels
    let back = ConvGeometry(
        channels: m, inH: geo.outH, inW: geo.outW, outH: geo.inH, outW: geo.inW, kh: geo.kh, kw: geo.kw,
        stride: 1, dilation: geo.dilation,
        padTop: (geo.kh - 1) * geo.dilation - geo.padTop, padLeft: (geo.kw - 1) * geo.dilation - geo.padLeft)
    // The direct kernel (taken by convGather below) beats Winograd when few channels come out.
    let policy = KernelPolicy.current
    if Winograd.applies(back, m: c, policy), !prefersDirectConv(back, m: c, groups: groups, policy) {
        // Transforms the flipped filters straight from `w`, without building them first.
        let plan = WinogradPlan(back, batch: batch, groups: groups, m: c, tuning: policy.winogradTuning)
        let u = WinogradFilterCache.filters(w, storage: frozen, groups: groups, outputs: c, inputs: m,
                                            flipped: true, tile: plan.tile)
        withExtendedLifetime(u) {
            plan.run(dy, u: u.base, bias: nil, into: dx, clamp: .none, threads: policy.threads, variant: policy.kernelCode)
        }
        return
    }
    // flipped[g·C + ch, r·taps + (taps−1−t)] = w[g·M + r, ch·taps + t]
    let flipped = UnsafeMutablePointer<Float>.allocate(capacity: groups * c * m * taps)
    defer { flipped.deallocate() }
    for g in 0..<groups {
        for r in 0..<m {
            let src = w + (g * m + r) * geo.colRows
            for ch in 0..<c {
                let dst = flipped + (g * c + ch) * m * taps + r * taps + taps - 1
                for t in 0..<taps { dst[-t] = src[ch * taps + t] }
            }
        }
    }
    convGather(dy, batch: batch, groups: groups, back, weights: flipped, m: c, bias: nil, into: dx)
}

/// dW[g·M + m, :] = Σₙ dy[n, g·M + m] · col(x[n, g])ᵀ, written to `dw` [groups·M, colRows].
/// Batch items are summed in fixed chunks (at most 8, independent of the thread count), each
/// chunk into its own partial, and the partials are added in order: deterministic for any
/// number of threads at the cost of a few weight-sized buffers.
func convWeightGradient(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, batch: Int, groups: Int, _ geo: ConvGeometry,
    m: Int, into dw: UnsafeMutablePointer<Float>
) {
    let inUnit = geo.channels * geo.inPlane, outUnit = m * geo.outPlane, wUnit = m * geo.colRows
    let wCount = groups * wUnit
    let pointwise = geo.isPointwise
    let colCount = pointwise ? 0 : geo.colRows * geo.outPlane
    let chunks = Swift.min(batch, 8)
    guard chunks > 0 else {
        dw.update(repeating: 0, count: wCount)
        return
    }
    let partials = chunks == 1 ? dw : UnsafeMutablePointer<Float>.allocate(capacity: chunks * wCount)
    defer { if chunks > 1 { partials.deallocate() } }
    let inner = chunks == 1  // a lone chunk parallelises inside its im2col and GEMMs instead
    let variant = KernelPolicy.current.kernelCode

    Parallel.forEach(chunks) { chunk in
        let col = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(colCount, 1))
        defer { col.deallocate() }
        let dst = partials + chunk * wCount
        for (i, n) in (batch * chunk / chunks ..< batch * (chunk + 1) / chunks).enumerated() {
            for g in 0..<groups {
                let u = n * groups + g, xin = x + u * inUnit
                if !pointwise {
                    if inner {
                        parallelChannels(geo.channels) { im2col(xin, col, geo, channels: $0, variant: variant) }
                    } else {
                        im2col(xin, col, geo, variant: variant)
                    }
                }
                gemm(transB: true, m: m, n: geo.colRows, k: geo.outPlane, a: dy + u * outUnit, lda: geo.outPlane,
                     b: pointwise ? xin : UnsafePointer(col), ldb: geo.outPlane, beta: i == 0 ? 0 : 1,
                     c: dst + g * wUnit, ldc: geo.colRows, parallel: inner)
            }
        }
    }
    guard chunks > 1 else { return }
    parallelChannels(wCount) { range in
        for j in range {
            var sum = partials[j]
            for c in 1..<chunks { sum += partials[c * wCount + j] }
            dw[j] = sum
        }
    }
}

/// y[n, c] += bias[c] over whole planes.
func finishBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int) {
    parallelChannels(batch * channels) { range in
        for i in range {
            let v = bias[i % channels], row = y + i * plane
            for j in 0..<plane { row[j] += v }
        }
    }
}

/// Per-channel sums of dy [batch, channels, plane] over batch and plane: the bias gradient.
func channelSums(_ dy: UnsafePointer<Float>, batch: Int, channels: Int, plane: Int) -> Tensor {
    var out = Tensor(zeros: [channels])
    let o = out.mutablePointer
    parallelChannels(channels) { range in
        for c in range {
            // Eight running sums vectorize; the order is fixed, so results do not depend
            // on the thread count.
            var lanes = SIMD8<Float>()
            var tail: Float = 0
            let whole = plane & ~7
            for n in 0..<batch {
                let p = dy + (n * channels + c) * plane
                var j = 0
                while j < whole {
                    lanes += UnsafeRawPointer(p + j).loadUnaligned(as: SIMD8<Float>.self)
                    j += 8
                }
                for k in whole..<plane { tail += p[k] }
            }
            o[c] = lanes.sum() + tail
        }
    }
    return out
}

/// Columns per tile of a pointwise GEMM with `rows` output rows: ~64K floats of output.
func pointwiseTileWidth(plane: Int, rows: Int) -> Int {
    Swift.min(plane, Swift.max(128, ((1 << 16) / Swift.max(rows, 1) + 15) / 16 * 16))
}

/// Where a fused activation clamps a conv's output: [0, ∞) for ReLU, [0, 6] for ReLU6.
struct ClampRange {
    var lower: Float, upper: Float
    static let none = ClampRange(lower: -.infinity, upper: .infinity)
    var active: Bool { lower > -.infinity || upper < .infinity }
}

/// row[j] = clamp(row[j] + bias) for j < count.
@inline(__always)
func biasClampRow(_ row: UnsafeMutablePointer<Float>, count: Int, bias: Float, _ clamp: ClampRange, variant: Int32) {
    loupe_bias_clamp(variant, row, row, count, bias, clamp.lower, clamp.upper)
}

func applyClamp(_ y: UnsafeMutablePointer<Float>, count: Int, _ clamp: ClampRange) {
    loupe_bias_clamp(KernelPolicy.current.kernelCode, y, y, count, 0, clamp.lower, clamp.upper)
}
