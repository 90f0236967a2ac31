import CBLAS
import Foundation

/// Row-major single-precision GEMM: C = alpha·op(A)·op(B) + beta·C, with op(A) M×K,
/// op(B) K×N. Large products are cut into up to `gemmRowBlocks` blocks of rows of C, run
/// on Loupe's workers, each a call to single-threaded OpenBLAS. The cut depends on the
/// shape and the machine, never on the thread count, so results do not either.
@inline(__always)
func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
    parallel: Bool = true
) {
    _ = Parallel.configureBLAS
    guard m > 0, n > 0 else { return }
    let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
    // Below ~2 MFLOP a split costs more than it saves. OpenBLAS computes a row differently
    // depending on its position modulo the kernel's unroll (12 rows of row-major C on Zen 3,
    // 2–24 on other cores), so blocks start on multiples of 48. On AVX-512 machines it also
    // switches to other kernels for small products (its "small matrix" and "direct sgemm"
    // paths), so a block's rows need not match the whole product's: hence a fixed cut,
    // made the same way whether one worker runs every block or several share them.
    let align = 48, groups = (m + align - 1) / align
    let blocks = parallel && m * n * k >= 1 << 21 ? Swift.min(gemmRowBlocks, groups) : 1
    // OpenBLAS applies beta = 0 by zeroing C one float at a time on its Haswell and Zen cores
    // (10% of an EfficientNet-Lite0 gradient pass on Zen 3, where small-K pointwise convs write
    // wide outputs). Zeroing C here with vector stores and asking for beta = 1 gives the same
    // C = 0 + alpha·op(A)·op(B), bit for bit.
    let zeroFirst = beta == 0
    if blocks == 1 {
        if zeroFirst { zeroRows(c, rows: m, columns: n, ldc: ldc) }
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    zeroFirst ? 1 : beta, c, Int32(ldc))
        return
    }
    Parallel.forEach(blocks) { i in
        let r0 = Swift.min(m, groups * i / blocks * align), r1 = Swift.min(m, groups * (i + 1) / blocks * align)
        guard r1 > r0 else { return }
        // Row r of op(A) starts at a + r*lda untransposed, at column r of A when transposed.
        let aBlock = transA ? a + r0 : a + r0 * lda
        if zeroFirst { zeroRows(c + r0 * ldc, rows: r1 - r0, columns: n, ldc: ldc) }
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(r1 - r0), Int32(n), Int32(k), alpha, aBlock, Int32(lda),
                    b, Int32(ldb), zeroFirst ? 1 : beta, c + r0 * ldc, Int32(ldc))
    }
}

/// Zeroes `rows` rows of `columns` floats, `ldc` apart (memset: vector stores).
@inline(__always)
private func zeroRows(_ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ldc: Int) {
    let bytes = columns * MemoryLayout<Float>.size
    if ldc == columns {
        memset(c, 0, rows * bytes)
    } else {
        for r in 0..<rows { memset(c + r * ldc, 0, bytes) }
    }
}

/// Blocks a large GEMM is cut into: one per core of the machine, a fixed number for a
/// given machine whatever the thread count. (More blocks than workers would only
/// make OpenBLAS re-pack op(B) more often: it packs it once per call.)
let gemmRowBlocks = max(1, ProcessInfo.processInfo.activeProcessorCount)
