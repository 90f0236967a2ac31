import CLoupeKernels
import Foundation

/// Direct (no im2col) stride-1 convolution for layers with very few input or output
/// channels: an RGB or grayscale first layer (K = 9 or 27 is far too short for a GEMM to
/// pay for its packing), and the input gradient of such a layer, which in gather form has
/// 1 or 3 output rows, so im2col would write a column matrix 9 × C larger than dy only for
/// a GEMV to stream it once (fashion-cnn's first layer: most of a PGD step's im2col time).
///
/// Each work item is (batch item, block of output rows). The item first copies the input
/// rows it reads into a zero-padded tile, so the inner loop has no bounds checks; it then
/// keeps 4 output channels × 2 vectors of columns in registers (CLoupeKernels) while it sums
/// over channels and taps, in a fixed order: results do not depend on the thread count.

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
    // Tile columns: every column any output reads, plus 4 vectors of slack so the last
    // vectors of a row may read past it (those lanes are never stored).
    let tileW = geo.outW + geo.kw - 1, slack = 4 * Int(LOUPE_KERNELS_SLACK)
    // Output rows per item: ~32K floats of padded input tile, so it stays in L1/L2 while
    // every output channel block sweeps it; depends on the geometry only.
    let rowsPerItem = Swift.max(1, Swift.min(geo.outH, (1 << 15) / Swift.max(geo.channels * tileW, 1) - geo.kh + 1))
    let blocks = (geo.outH + rowsPerItem - 1) / rowsPerItem
    let tileRows = rowsPerItem + geo.kh - 1
    let tileCount = geo.channels * tileRows * tileW + slack
    let variant = KernelPolicy.current.kernelCode, cgeo = geo.c

    parallelChunks(batch * blocks, scratch: tileCount) { range, tile in
        for item in range {
            let n = item / blocks, r0 = (item % blocks) * rowsPerItem
            let rows = Swift.min(rowsPerItem, geo.outH - r0)
            fillPaddedTile(x + n * geo.channels * geo.inPlane, geo, firstRow: r0, rows: rows + geo.kh - 1,
                           tileRows: tileRows, tileW: tileW, slack: slack, into: tile)
            withUnsafePointer(to: cgeo) {
                loupe_direct_conv_rows(variant, $0, tile, tileRows, tileW, w, m, bias, y + n * m * geo.outPlane, r0, rows,
                                       clamp.lower, clamp.upper)
            }
        }
    }
}

/// tile[c, r, j] = x[c, firstRow − padTop + r, j − padLeft], zero outside the image.
private func fillPaddedTile(
    _ x: UnsafePointer<Float>, _ geo: ConvGeometry, firstRow: Int, rows: Int, tileRows: Int, tileW: Int, slack: Int,
    into tile: UnsafeMutablePointer<Float>
) {
    tile.update(repeating: 0, count: geo.channels * tileRows * tileW + slack)
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
