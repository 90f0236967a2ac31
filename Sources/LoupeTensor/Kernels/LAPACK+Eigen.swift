import CBLAS

extension LAPACK {
    /// The eigenvalues (ascending) and orthonormal eigenvectors of the symmetric n×n
    /// matrix `a` (row-major; only its upper triangle is read), by divide and conquer
    /// (dsyevd). Eigenvector j is row j of `vectors` (n×n row-major), defined up to sign.
    public static func symmetricEigen(_ a: [Double], order n: Int) throws -> (values: [Double], vectors: [Double]) {
        let op = "symmetric eigendecomposition"
        let (count, overflow) = n.multipliedReportingOverflow(by: n)
        guard n >= 1, !overflow, a.count == count else {
            throw TensorError.invalidArgument(op: op, "an \(n)×\(n) matrix needs \(n)² values, got \(a.count)")
        }
        guard a.allSatisfy(\.isFinite) else { throw TensorError.invalidArgument(op: op, "the matrix has a NaN or infinite value") }
        _ = Parallel.configureBLAS
        // Row-major upper is column-major lower, the same buffer. On return the buffer holds
        // the eigenvectors as columns (column-major), i.e. as rows when read row-major.
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "L"))
        var order = try blas(n, op), lda = order, info: blasint = 0
        var matrix = a, w = [Double](repeating: 0, count: n)
        var size = 0.0, isize: blasint = 0, query: blasint = -1
        dsyevd_(&jobz, &uplo, &order, &matrix, &lda, &w, &size, &query, &isize, &query, &info, 1, 1)
        guard info == 0 else { throw TensorError.invalidArgument(op: op, "workspace query failed (info \(info))") }
        var lwork = try blas(Swift.max(1, Int(size)), op), liwork = Swift.max(1, isize)
        var work = [Double](repeating: 0, count: Int(lwork)), iwork = [blasint](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &order, &matrix, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        guard info == 0 else {
            throw TensorError.invalidArgument(op: op, info > 0 ? "did not converge (info \(info))" : "argument \(-info) was invalid")
        }
        return (w, matrix)
    }

    /// AᵀA (n×n, `ofColumns`) or AAᵀ (m×m) of the row-major m×n `a` (dsyrk), both
    /// triangles filled.
    public static func gram(_ a: [Double], rows m: Int, columns n: Int, ofColumns: Bool) throws -> [Double] {
        let op = "gram matrix"
        let (count, overflow) = m.multipliedReportingOverflow(by: n)
        guard m >= 1, n >= 1, !overflow, count == a.count else {
            throw TensorError.invalidArgument(op: op, "a \(m)×\(n) matrix needs \(m)·\(n) values, got \(a.count)")
        }
        _ = Parallel.configureBLAS
        let k = ofColumns ? n : m
        let (square, squareOverflow) = k.multipliedReportingOverflow(by: k)
        guard !squareOverflow else { throw TensorError.invalidArgument(op: op, "\(k)² is too large") }
        var out = [Double](repeating: 0, count: square)
        let (bm, bn, bk) = (try blas(m, op), try blas(n, op), try blas(k, op))
        cblas_dsyrk(CblasRowMajor, CblasUpper, ofColumns ? CblasTrans : CblasNoTrans, bk, ofColumns ? bm : bn, 1, a, bn, 0, &out, bk)
        for i in 0..<k { for j in 0..<i { out[i * k + j] = out[j * k + i] } }
        return out
    }
}
