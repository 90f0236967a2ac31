import CBLAS

extension LAPACK {
    /// op(A)·op(B) in double (dgemm), op(A) m×k and op(B) k×n, all row-major; A is stored
    /// k×m when `transA`, B n×k when `transB`. For the statistics that fit models on
    /// activations (probes, concept vectors), where Float's rounding would stall a
    /// quasi-Newton fit before its tolerance.
    public static func product(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int,
                               transA: Bool = false, transB: Bool = false) throws -> [Double] {
        let op = "matrix product"
        let (sa, oa) = m.multipliedReportingOverflow(by: k), (sb, ob) = k.multipliedReportingOverflow(by: n)
        let (sc, oc) = m.multipliedReportingOverflow(by: n)
        guard m >= 1, k >= 1, n >= 1, !oa, !ob, !oc, sa == a.count, sb == b.count else {
            throw TensorError.invalidArgument(op: op, "\(m)×\(k) by \(k)×\(n) needs \(m)·\(k) and \(k)·\(n) values, got \(a.count) and \(b.count)")
        }
        _ = Parallel.configureBLAS
        let (bm, bk, bn) = (try blas(m, op), try blas(k, op), try blas(n, op))
        var out = [Double](repeating: 0, count: sc)
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, bm, bn, bk,
                    1, a, transA ? bm : bk, b, transB ? bk : bn, 0, &out, bn)
        return out
    }
}
