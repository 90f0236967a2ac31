import CBLAS

/// Dense linear algebra through OpenBLAS's LAPACK, on row-major Swift arrays. LAPACK is
/// column-major: a row-major m×n buffer is the column-major n×m transpose, which the
/// routines below use directly instead of copying.
public enum LAPACK {
    /// The thin singular value decomposition a = U·diag(s)·Vᵀ of the row-major m×n matrix
    /// `a` (sgesvd): U is m×k and Vᵀ k×n, both row-major, k = min(m, n), and s descends.
    /// Each pair of singular vectors is defined up to a common sign.
    public static func svd(_ a: [Float], rows m: Int, columns n: Int) throws -> (u: [Float], s: [Float], vt: [Float]) {
        let k = Swift.min(m, n)
        let (count, overflow) = m.multipliedReportingOverflow(by: n)
        guard m >= 1, n >= 1, !overflow, count == a.count else {
            throw TensorError.invalidArgument(op: "svd", "a \(m)×\(n) matrix needs \(m)·\(n) values, got \(a.count)")
        }
        guard a.allSatisfy(\.isFinite) else { throw TensorError.invalidArgument(op: "svd", "the matrix has a NaN or infinite value") }
        // LAPACK sees B = aᵀ (n×m) and returns B = U′·S·V′ᵀ, so a = V′·S·U′ᵀ: a's U is V′,
        // whose transpose LAPACK hands back column-major (k×m), the same buffer as U
        // row-major (m×k); a's Vᵀ is U′ᵀ, and U′ column-major (n×k) is the same buffer as
        // Vᵀ row-major (k×n). No transposition is needed.
        _ = Parallel.configureBLAS
        var bm = try blas(n, "svd"), bn = try blas(m, "svd"), ldu = bm, ldvt = try blas(k, "svd")
        var jobu = CChar(UInt8(ascii: "S")), jobvt = CChar(UInt8(ascii: "S"))
        var work = a, s = [Float](repeating: 0, count: k)
        var uPrime = [Float](repeating: 0, count: n * k), vtPrime = [Float](repeating: 0, count: k * m)
        var info: blasint = 0, query: blasint = -1, size: Float = 0
        sgesvd_(&jobu, &jobvt, &bm, &bn, &work, &bm, &s, &uPrime, &ldu, &vtPrime, &ldvt, &size, &query, &info, 1, 1)
        guard info == 0 else { throw TensorError.invalidArgument(op: "svd", "workspace query failed (info \(info))") }
        var lwork = try blas(Swift.max(1, Int(size)), "svd")
        var scratch = [Float](repeating: 0, count: Int(lwork))
        sgesvd_(&jobu, &jobvt, &bm, &bn, &work, &bm, &s, &uPrime, &ldu, &vtPrime, &ldvt, &scratch, &lwork, &info, 1, 1)
        guard info == 0 else {
            throw TensorError.invalidArgument(op: "svd", info > 0 ? "did not converge (\(info) superdiagonals left)" : "argument \(-info) was invalid")
        }
        return (vtPrime, s, uPrime)
    }

    /// The eigenvalues, ascending, of the symmetric tridiagonal matrix with `diagonal` (n)
    /// and `offDiagonal` (n − 1) (dstev, in double precision).
    public static func tridiagonalEigenvalues(diagonal: [Double], offDiagonal: [Double]) throws -> [Double] {
        let n = diagonal.count
        guard n >= 1, offDiagonal.count == n - 1 else {
            throw TensorError.invalidArgument(op: "tridiagonal eigenvalues", "\(n) diagonal values need \(Swift.max(n - 1, 0)) off the diagonal, got \(offDiagonal.count)")
        }
        guard (diagonal + offDiagonal).allSatisfy(\.isFinite) else {
            throw TensorError.invalidArgument(op: "tridiagonal eigenvalues", "the matrix has a NaN or infinite value")
        }
        var jobz = CChar(UInt8(ascii: "N")), size = try blas(n, "tridiagonal eigenvalues"), ldz: blasint = 1
        var d = diagonal, e = offDiagonal + [0], z = [0.0], work = [0.0], info: blasint = 0
        dstev_(&jobz, &size, &d, &e, &z, &ldz, &work, &info, 1)
        guard info == 0 else {
            throw TensorError.invalidArgument(op: "tridiagonal eigenvalues", info > 0 ? "did not converge" : "argument \(-info) was invalid")
        }
        return d
    }

    /// `value` as LAPACK's integer type, or an error naming `op`.
    static func blas(_ value: Int, _ op: String) throws -> blasint {
        guard let v = blasint(exactly: value) else { throw TensorError.invalidArgument(op: op, "\(value) is too large for LAPACK") }
        return v
    }
}
