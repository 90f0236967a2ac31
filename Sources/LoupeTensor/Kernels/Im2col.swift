import CLoupeKernels

/// The shape of one convolution seen from the side that is gathered: a [channels, inH, inW]
/// image read through a kh×kw window at `stride` and `dilation`, giving outH×outW positions.
/// Output position (oy, ox) with tap (ky, kx) reads input (oy·s − padTop + ky·d,
/// ox·s − padLeft + kx·d); anything outside the image reads as zero. Pads may be negative
/// (the transposed conv's gather form crops instead of padding), and the output size is
/// explicit rather than derived, so conv, its input gradient and conv_transpose all share
/// the same kernels.
struct ConvGeometry: Equatable {
    var channels: Int
    var inH: Int, inW: Int
    var outH: Int, outW: Int
    var kh: Int, kw: Int
    var stride: Int, dilation: Int
    var padTop: Int, padLeft: Int

    var taps: Int { kh * kw }
    var inPlane: Int { inH * inW }
    var outPlane: Int { outH * outW }
    /// Rows of the column matrix: one per (channel, ky, kx).
    var colRows: Int { channels * kh * kw }

    /// A 1×1 stride-1 conv without padding is a plain GEMM on the image itself.
    var isPointwise: Bool {
        kh == 1 && kw == 1 && stride == 1 && padTop == 0 && padLeft == 0 && inH == outH && inW == outW
    }

    /// Output columns [lo, hi) whose tap at offset `k·d` lands inside an axis of length `n`.
    @inline(__always)
    func validRange(tapOffset: Int, pad: Int, n: Int, out: Int) -> (Int, Int) {
        // ox·s − pad + off ∈ [0, n)  ⇔  ox ∈ [ceil((pad − off)/s), ceil((n + pad − off)/s))
        let lo = Swift.min(Swift.max(ceilDiv(pad - tapOffset, stride), 0), out)
        let hi = Swift.min(Swift.max(ceilDiv(n + pad - tapOffset, stride), lo), out)
        return (lo, hi)
    }
}

@inline(__always)
func ceilDiv(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? (a + b - 1) / b : -((-a) / b)
}

/// One (channel, ky, kx) row of the column matrix and the part of it that reads inside the
/// image: output rows `ys` and columns `xs`, whose first read is input column `x0` of row
/// `inputRow(oy)`. `colRow + oy·outW` addresses output row oy of the tile.
struct TapRun {
    var channel: Int
    var colRow: Int
    var ys: Range<Int>
    var xs: Range<Int>
    var x0: Int
    var rowOffset: Int  // input row of output row oy: oy·stride + rowOffset

    @inline(__always) func inputRow(_ oy: Int, stride: Int) -> Int { oy * stride + rowOffset }
}

extension ConvGeometry {
    /// Calls `body` for every (channel, ky, kx) of channels `range` over output rows `rows`,
    /// in col-row order: the walk im2col and its adjoint col2im share.
    @inline(__always)
    func forEachTap(channels range: Range<Int>?, outputRows rows: Range<Int>?, _ body: (TapRun) -> Void) {
        let oy0 = rows?.lowerBound ?? 0, oy1 = rows?.upperBound ?? outH
        let tile = (oy1 - oy0) * outW
        for c in range ?? 0..<channels {
            for ky in 0..<kh {
                var (yLo, yHi) = validRange(tapOffset: ky * dilation, pad: padTop, n: inH, out: outH)
                yLo = Swift.min(Swift.max(yLo, oy0), oy1)
                yHi = Swift.min(Swift.max(yHi, yLo), oy1)
                for kx in 0..<kw {
                    let (xLo, xHi) = validRange(tapOffset: kx * dilation, pad: padLeft, n: inW, out: outW)
                    body(TapRun(channel: c, colRow: ((c * kh + ky) * kw + kx) * tile - oy0 * outW, ys: yLo..<yHi,
                                xs: xLo..<Swift.max(xHi, xLo), x0: xLo * stride - padLeft + kx * dilation,
                                rowOffset: ky * dilation - padTop))
                }
            }
        }
    }
}

/// Unfolds channels `range` of `src` [channels, inH, inW] into rows of `col`
/// [colRows, rows.count·outW], for output rows `rows` only (a tile; all rows by default);
/// the rows of one channel are c·kh·kw ..< (c+1)·kh·kw. Every element of those col rows
/// is written (zeros where the window hangs outside the image).
func im2col(
    _ src: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, _ g: ConvGeometry,
    channels range: Range<Int>? = nil, outputRows rows: Range<Int>? = nil, variant: Int32
) {
    let outW = g.outW
    let oy0 = rows?.lowerBound ?? 0, oy1 = rows?.upperBound ?? g.outH
    g.forEachTap(channels: range, outputRows: rows) { run in
        // `row` is indexed by absolute output row oy: row + oy·outW is in the tile.
        let row = col + run.colRow
        let (yLo, yHi, xLo, xHi) = (run.ys.lowerBound, run.ys.upperBound, run.xs.lowerBound, run.xs.upperBound)
        if yLo > oy0 { (row + oy0 * outW).update(repeating: 0, count: (yLo - oy0) * outW) }
        if yHi < oy1 { (row + yHi * outW).update(repeating: 0, count: (oy1 - yHi) * outW) }
        guard xHi > xLo else {
            (row + yLo * outW).update(repeating: 0, count: (yHi - yLo) * outW)
            return
        }
        loupe_im2col_run(variant, src + run.channel * g.inPlane, row, yLo, yHi, xLo, xHi, outW, g.inW, g.stride, run.x0,
                         run.rowOffset)
    }
}

/// The adjoint of `im2col`: adds each entry of `col` [colRows, rows.count·outW] (output
/// rows `rows` only, all by default) back onto the image position it was read from.
/// `dst` must be initialised (usually zeros); channels in `range` only.
func col2im(
    _ col: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: ConvGeometry,
    channels range: Range<Int>? = nil, outputRows rows: Range<Int>? = nil
) {
    let s = g.stride, outW = g.outW
    g.forEachTap(channels: range, outputRows: rows) { run in
        guard !run.xs.isEmpty else { return }
        let plane = dst + run.channel * g.inPlane
        let n = run.xs.count
        for oy in run.ys {
            let srcRow = col + run.colRow + oy * outW + run.xs.lowerBound
            let dstRow = plane + run.inputRow(oy, stride: s) * g.inW + run.x0
            if s == 1 {
                for j in 0..<n { dstRow[j] += srcRow[j] }
            } else {
                for j in 0..<n { dstRow[j * s] += srcRow[j] }
            }
        }
    }
}
