import CBLAS

/// Row-major single-precision GEMM: C = alpha·op(A)·op(B) + beta·C, with op(A) M×K,
/// op(B) K×N. Large products are split by 48-row blocks of C across Loupe's workers, each
/// calling single-threaded OpenBLAS: the split does not change any sum, so results
/// do not depend on the thread count.
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
    // Below ~2 MFLOP a split costs more than it saves. OpenBLAS's kernels compute a row
    // differently depending on its position modulo their unroll (12 rows of row-major C on
    // Zen, 2–24 on other cores), so blocks start on multiples of 48: every row then gets
    // the same arithmetic whatever the split, and results do not depend on the thread count.
    let align = 48, groups = (m + align - 1) / align
    let blocks = parallel && Parallel.threads > 1 && m * n * k >= 1 << 21 ? Swift.min(Parallel.threads, groups) : 1
    if blocks == 1 {
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb),
                    beta, c, Int32(ldc))
        return
    }
    Parallel.forEach(blocks) { i in
        let r0 = Swift.min(m, groups * i / blocks * align), r1 = Swift.min(m, groups * (i + 1) / blocks * align)
        guard r1 > r0 else { return }
        // Row r of op(A) starts at a + r*lda untransposed, at column r of A when transposed.
        let aBlock = transA ? a + r0 : a + r0 * lda
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(r1 - r0), Int32(n), Int32(k), alpha, aBlock, Int32(lda),
                    b, Int32(ldb), beta, c + r0 * ldc, Int32(ldc))
    }
}
