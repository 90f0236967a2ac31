import Foundation

/// Direct (no im2col) stride-1 convolution for layers with very few input or output
/// channels: an RGB or grayscale first layer (K = 9 or 27 is far too short for a GEMM to
/// pay for its packing), and the input gradient of such a layer, which in gather form has
/// 1 or 3 output rows, so im2col would write a column matrix 9 × C larger than dy only for
/// a GEMV to stream it once (fashion-cnn's first layer: most of a PGD step's im2col time).
///
/// Each work item is (batch item, block of output rows). The item first copies the input
/// rows it reads into a zero-padded tile, so the inner loop has no bounds checks; it then
/// keeps 4 output channels × 8 columns in registers while it sums over channels and taps,
/// in a fixed order: results do not depend on the thread count.

/// Whether `directConv` should replace im2col + GEMM for this gather-form convolution.
/// A policy with `directConv` off measures what it saves.
func prefersDirectConv(_ geo: ConvGeometry, m: Int, groups: Int, _ policy: KernelPolicy = .current) -> Bool {
    guard policy.directConv, groups == 1, geo.stride == 1, geo.dilation == 1, !geo.isPointwise, m > 0, geo.channels > 0 else {
        return false
    }
    return m <= 4 || geo.channels <= 3
}

/// y[n, o] = clamp(Σ_c Σ_(ky,kx) w[o, c, ky, kx] · x[n, c, oy − padTop + ky, ox − padLeft + kx] + bias[o]),
/// reading zeros outside the image. `x` is [batch, channels, inH, inW], `w` is [m, channels·kh·kw],
/// `y` is [batch, m, outH, outW], fully written. Stride 1 and dilation 1 only.
func directConv(
    _ x: UnsafePointer<Float>, batch: Int, _ geo: ConvGeometry, weights w: UnsafePointer<Float>, m: Int,
    bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>, clamp: ClampRange
) {
    // Tile columns: every column any output reads, plus 32 of slack so the last vectors of a
    // row may read past it (those lanes are never stored).
    let tileW = geo.outW + geo.kw - 1
    // Output rows per item: ~32K floats of padded input tile, so it stays in L1/L2 while
    // every output channel block sweeps it; depends on the geometry only.
    let rowsPerItem = Swift.max(1, Swift.min(geo.outH, (1 << 15) / Swift.max(geo.channels * tileW, 1) - geo.kh + 1))
    let blocks = (geo.outH + rowsPerItem - 1) / rowsPerItem
    let tileRows = rowsPerItem + geo.kh - 1
    let tileCount = geo.channels * tileRows * tileW + 32

    parallelChunks(batch * blocks, scratch: tileCount) { range, tile in
        for item in range {
            let n = item / blocks, r0 = (item % blocks) * rowsPerItem
            let rows = Swift.min(rowsPerItem, geo.outH - r0)
            fillPaddedTile(x + n * geo.channels * geo.inPlane, geo, firstRow: r0, rows: rows + geo.kh - 1,
                           tileRows: tileRows, tileW: tileW, into: tile)
            directConvRows(tile, geo, tileRows: tileRows, tileW: tileW, weights: w, m: m, bias: bias,
                           into: y + n * m * geo.outPlane, firstRow: r0, rows: rows, clamp: clamp)
        }
    }
}

/// tile[c, r, j] = x[c, firstRow − padTop + r, j − padLeft], zero outside the image.
private func fillPaddedTile(
    _ x: UnsafePointer<Float>, _ geo: ConvGeometry, firstRow: Int, rows: Int, tileRows: Int, tileW: Int,
    into tile: UnsafeMutablePointer<Float>
) {
    tile.update(repeating: 0, count: geo.channels * tileRows * tileW + 32)
    // Columns j whose source column j − padLeft is inside [0, inW).
    let j0 = Swift.max(geo.padLeft, 0), j1 = Swift.min(tileW, geo.inW + geo.padLeft)
    guard j1 > j0 else { return }
    for c in 0..<geo.channels {
        let plane = x + c * geo.inPlane
        for r in 0..<rows {
            let sy = firstRow - geo.padTop + r
            guard sy >= 0, sy < geo.inH else { continue }
            (tile + (c * tileRows + r) * tileW + j0).update(from: plane + sy * geo.inW + j0 - geo.padLeft, count: j1 - j0)
        }
    }
}

/// Output rows firstRow ..< firstRow + rows of every output channel, from a padded tile.
private func directConvRows(
    _ tile: UnsafePointer<Float>, _ geo: ConvGeometry, tileRows: Int, tileW: Int,
    weights w: UnsafePointer<Float>, m: Int, bias: UnsafePointer<Float>?,
    into y: UnsafeMutablePointer<Float>, firstRow: Int, rows: Int, clamp: ClampRange
) {
    let (kh, kw, channels, outW) = (geo.kh, geo.kw, geo.channels, geo.outW)
    let taps = kh * kw, plane = tileRows * tileW
    let lo = SIMD8<Float>(repeating: clamp.lower), hi = SIMD8<Float>(repeating: clamp.upper)

    @inline(__always)
    func finish(_ acc: SIMD8<Float>, channel o: Int, row: Int, column x: Int) {
        var v = acc + SIMD8(repeating: bias?[o] ?? 0)
        if clamp.active {
            v.replace(with: lo, where: v .< lo)
            v.replace(with: hi, where: v .> hi)
        }
        let dst = y + o * geo.outPlane + (firstRow + row) * outW + x
        if x + 8 <= outW {
            storeVector(v, dst)
        } else {
            for lane in 0..<(outW - x) { dst[lane] = v[lane] }
        }
    }

    var o = 0
    while o < m {
        // A lone output channel (the input gradient of a grayscale layer) would waste three
        // of the four accumulator rows below: it takes 32 columns per pass instead.
        if m - o == 1 {
            let w0 = w + o * channels * taps
            for r in 0..<rows {
                var x = 0
                while x < outW {
                    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                    for c in 0..<channels {
                        let base = tile + c * plane + r * tileW + x
                        for ky in 0..<kh {
                            let row = base + ky * tileW
                            for kx in 0..<kw {
                                let s = SIMD8(repeating: w0[c * taps + ky * kw + kx])
                                a0 = a0.addingProduct(loadVector(row + kx), s)
                                a1 = a1.addingProduct(loadVector(row + kx + 8), s)
                                a2 = a2.addingProduct(loadVector(row + kx + 16), s)
                                a3 = a3.addingProduct(loadVector(row + kx + 24), s)
                            }
                        }
                    }
                    finish(a0, channel: o, row: r, column: x)
                    if x + 8 < outW { finish(a1, channel: o, row: r, column: x + 8) }
                    if x + 16 < outW { finish(a2, channel: o, row: r, column: x + 16) }
                    if x + 24 < outW { finish(a3, channel: o, row: r, column: x + 24) }
                    x += 32
                }
            }
            return
        }
        // Four output channels at a time share every input load; fewer at the end.
        let count = Swift.min(4, m - o)
        let w0 = w + o * channels * taps
        let w1 = w + Swift.min(o + 1, m - 1) * channels * taps
        let w2 = w + Swift.min(o + 2, m - 1) * channels * taps
        let w3 = w + Swift.min(o + 3, m - 1) * channels * taps
        for r in 0..<rows {
            var x = 0
            while x < outW {
                // Two 8-column vectors per pass: 2 input loads and 4 weight broadcasts feed 8 FMAs.
                var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
                var b0 = SIMD8<Float>(), b1 = SIMD8<Float>(), b2 = SIMD8<Float>(), b3 = SIMD8<Float>()
                for c in 0..<channels {
                    let base = tile + c * plane + r * tileW + x
                    let wc = c * taps
                    for ky in 0..<kh {
                        let row = base + ky * tileW
                        for kx in 0..<kw {
                            let u = loadVector(row + kx), v = loadVector(row + kx + 8)
                            let t = wc + ky * kw + kx
                            let s0 = SIMD8(repeating: w0[t]), s1 = SIMD8(repeating: w1[t])
                            let s2 = SIMD8(repeating: w2[t]), s3 = SIMD8(repeating: w3[t])
                            a0 = a0.addingProduct(u, s0)
                            b0 = b0.addingProduct(v, s0)
                            a1 = a1.addingProduct(u, s1)
                            b1 = b1.addingProduct(v, s1)
                            a2 = a2.addingProduct(u, s2)
                            b2 = b2.addingProduct(v, s2)
                            a3 = a3.addingProduct(u, s3)
                            b3 = b3.addingProduct(v, s3)
                        }
                    }
                }
                finish(a0, channel: o, row: r, column: x)
                if count > 1 { finish(a1, channel: o + 1, row: r, column: x) }
                if count > 2 { finish(a2, channel: o + 2, row: r, column: x) }
                if count > 3 { finish(a3, channel: o + 3, row: r, column: x) }
                if x + 8 < outW {
                    finish(b0, channel: o, row: r, column: x + 8)
                    if count > 1 { finish(b1, channel: o + 1, row: r, column: x + 8) }
                    if count > 2 { finish(b2, channel: o + 2, row: r, column: x + 8) }
                    if count > 3 { finish(b3, channel: o + 3, row: r, column: x + 8) }
                }
                x += 16
            }
        }
        o += count
    }
}
