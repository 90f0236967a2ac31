/// GEMM-based convolution drivers shared by conv2d and convTranspose2d.
///
/// Work is cut into independent items (batch item × group × tile of output rows, sized
/// from the geometry alone) spread over the workers, each with its own scratch; a lone
/// item (batch 1, one group, one tile) instead parallelises inside its im2col/col2im (by
/// channel) and its GEMM (by 48-row blocks). Each item's arithmetic is the same whichever
/// thread runs it, so results are bit-identical for any `Parallel.threads`.
///
/// Weights are always a [groups·M, channels·kh·kw] matrix: M rows per group, the columns
/// in im2col row order. conv2d's weight [Cout, Cin/g, kh, kw] is that matrix with M = Cout/g;
/// convTranspose2d's [Cin, Cout/g, kh, kw] is it with M = Cin/g.

/// Splits `n` independent indices into one contiguous chunk per worker, each with its own
/// scratch buffer of `count` floats (allocated once per chunk, not per index).
@inline(__always)
func parallelChunks(_ n: Int, scratch count: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
    let chunks = Swift.min(Parallel.threads, n)
    guard chunks > 0 else { return }
    Parallel.forEach(chunks) { c in
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        defer { buffer.deallocate() }
        body(n * c / chunks ..< n * (c + 1) / chunks, buffer)
    }
}

/// Runs `body` over channel ranges, one per worker (a lone unit's im2col/col2im).
@inline(__always)
func parallelChannels(_ channels: Int, _ body: (Range<Int>) -> Void) {
    let chunks = Swift.min(Parallel.threads, channels)
    Parallel.forEach(chunks) { c in body(channels * c / chunks ..< channels * (c + 1) / chunks) }
}

/// Output rows per im2col tile: about `tileFloats` of column matrix, so a tile is still
/// in cache when its GEMM reads it, but at least ~128 columns so the GEMM stays efficient.
/// It depends on the geometry only: tiles change which sums a GEMM call makes, and the
/// thread count must not.
func convTileRows(_ geo: ConvGeometry, tileFloats: Int = 1 << 18) -> Int {
    let byCache = tileFloats / Swift.max(geo.colRows * geo.outW, 1)
    let byWidth = (128 + geo.outW - 1) / geo.outW
    return Swift.min(geo.outH, Swift.max(byCache, byWidth, 1))
}

/// y[n, g·M + m] = W[g·M + m, :] · col(x[n, g]) (+ bias): a convolution in gather form.
/// `x` is [batch, groups·channels, inH, inW]; `y` is [batch, groups·M, outH, outW], fully written.
/// Work items are (unit, tile of output rows); a lone item splits its GEMM by rows instead.
func convGather(
    _ x: UnsafePointer<Float>, batch: Int, groups: Int, _ geo: ConvGeometry,
    weights w: UnsafePointer<Float>, m: Int, bias: UnsafePointer<Float>?,
    into y: UnsafeMutablePointer<Float>
) {
    let units = batch * groups
    let inUnit = geo.channels * geo.inPlane, outUnit = m * geo.outPlane, wUnit = m * geo.colRows
    guard geo.colRows > 0 else {
        // No input channels: a GEMM with k = 0 might leave C untouched.
        y.update(repeating: 0, count: units * outUnit)
        if let bias { finishBias(y, bias, batch: batch, channels: groups * m, plane: geo.outPlane) }
        return
    }
    let pointwise = geo.isPointwise
    let tileRows = convTileRows(geo), tiles = (geo.outH + tileRows - 1) / tileRows
    let items = units * tiles
    let colCount = pointwise ? 0 : geo.colRows * tileRows * geo.outW

    func run(_ item: Int, col: UnsafeMutablePointer<Float>, parallel: Bool) {
        let u = item / tiles, t = item % tiles, g = u % groups
        let rows = t * tileRows ..< Swift.min(geo.outH, (t + 1) * tileRows)
        let p0 = rows.lowerBound * geo.outW, cols = rows.count * geo.outW
        let xin = x + u * inUnit, yout = y + u * outUnit + p0
        let b: UnsafePointer<Float>, ldb: Int
        if pointwise {
            (b, ldb) = (xin + p0, geo.inPlane)
        } else {
            if parallel {
                parallelChannels(geo.channels) { im2col(xin, col, geo, channels: $0, outputRows: rows) }
            } else {
                im2col(xin, col, geo, outputRows: rows)
            }
            (b, ldb) = (UnsafePointer(col), cols)
        }
        gemm(m: m, n: cols, k: geo.colRows, a: w + g * wUnit, lda: geo.colRows,
             b: b, ldb: ldb, c: yout, ldc: geo.outPlane, parallel: parallel)
        guard let bias else { return }
        for r in 0..<m {
            let v = bias[g * m + r], row = yout + r * geo.outPlane
            for j in 0..<cols { row[j] += v }
        }
    }

    if items == 1 {
        let col = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(colCount, 1))
        defer { col.deallocate() }
        run(0, col: col, parallel: true)
        return
    }
    parallelChunks(items, scratch: colCount) { range, col in
        for item in range { run(item, col: col, parallel: false) }
    }
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
    let tileRows = convTileRows(geo), tiles = (geo.outH + tileRows - 1) / tileRows
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

    if units == 1 {
        let col = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(colCount, 1))
        defer { col.deallocate() }
        run(0, col: col, parallel: true)
        return
    }
    parallelChunks(units, scratch: colCount) { range, col in
        for u in range { run(u, col: col, parallel: false) }
    }
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
    let width = Swift.min(plane, Swift.max(128, ((1 << 16) / Swift.max(c, 1) + 15) / 16 * 16))
    let tiles = (plane + width - 1) / width, items = units * tiles

    func run(_ item: Int, parallel: Bool) {
        let u = item / tiles, c0 = (item % tiles) * width, cols = Swift.min(width, plane - c0)
        gemm(transA: true, m: c, n: cols, k: m, a: w + (u % groups) * m * c, lda: c,
             b: dy + u * m * plane + c0, ldb: plane, c: dx + u * c * plane + c0, ldc: plane, parallel: parallel)
    }
    if items == 1 {
        run(0, parallel: true)
        return
    }
    parallelChunks(items, scratch: 0) { range, _ in
        for item in range { run(item, parallel: false) }
    }
}

/// The gradient with respect to the gathered image: dx = Σ taps of Wᵀ·dy.
/// At stride 1 this is itself a gather-form convolution of dy with the flipped, transposed
/// filters (padding (k−1)·d − pad), which turns the scatter-add of col2im into the same
/// well-shaped GEMM as the forward pass. Larger strides use the scatter form.
/// `dx` is [batch, groups·channels, inH, inW], fully written.
func convInputGradient(
    _ dy: UnsafePointer<Float>, batch: Int, groups: Int, _ geo: ConvGeometry,
    weights w: UnsafePointer<Float>, m: Int, into dx: UnsafeMutablePointer<Float>
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
    let back = ConvGeometry(
        channels: m, inH: geo.outH, inW: geo.outW, outH: geo.inH, outW: geo.inW, kh: geo.kh, kw: geo.kw,
        stride: 1, dilation: geo.dilation,
        padTop: (geo.kh - 1) * geo.dilation - geo.padTop, padLeft: (geo.kw - 1) * geo.dilation - geo.padLeft)
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

    Parallel.forEach(chunks) { chunk in
        let col = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(colCount, 1))
        defer { col.deallocate() }
        let dst = partials + chunk * wCount
        for (i, n) in (batch * chunk / chunks ..< batch * (chunk + 1) / chunks).enumerated() {
            for g in 0..<groups {
                let u = n * groups + g, xin = x + u * inUnit
                if !pointwise {
                    if inner {
                        parallelChannels(geo.channels) { im2col(xin, col, geo, channels: $0) }
                    } else {
                        im2col(xin, col, geo)
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
