import CBLAS

/// Least squares through OpenBLAS: the normal equations formed by BLAS, solved by LAPACK.
extension LAPACK {
    /// The x minimizing Σᵢ wᵢ (yᵢ − aᵢ·x)² + ridge·|x|², for the row-major rows×columns
    /// design `a`, targets `y` and non-negative weights `w`: the normal equations
    /// (AᵀWA + ridge·I) x = AᵀWy, formed with dsyrk and dgemv on the rows scaled by √wᵢ
    /// and solved by Cholesky (dposv). In double precision, because the normal equations
    /// square the condition number of A; the systems of the perturbation methods (one
    /// unknown per superpixel) are small enough that this costs nothing.
    public static func weightedLeastSquares(_ a: [Double], rows m: Int, columns n: Int, targets y: [Double],
                                            weights w: [Double], ridge: Double = 0) throws -> [Double] {
        let op = "weighted least squares"
        let (count, overflow) = m.multipliedReportingOverflow(by: n)
        guard m >= 1, n >= 1, !overflow, count == a.count, y.count == m, w.count == m else {
            throw TensorError.invalidArgument(op: op, "a \(m)×\(n) design needs \(m)·\(n) values and \(m) targets and weights, "
                                              + "got \(a.count), \(y.count) and \(w.count)")
        }
        guard a.allSatisfy(\.isFinite), y.allSatisfy(\.isFinite), w.allSatisfy({ $0.isFinite && $0 >= 0 }),
              ridge.isFinite, ridge >= 0 else {
            throw TensorError.invalidArgument(op: op, "the design, targets, weights and ridge must be finite (weights and ridge ≥ 0)")
        }
        _ = Parallel.configureBLAS
        var scaled = a, rhs = [Double](repeating: 0, count: m)
        for i in 0..<m {
            let r = w[i].squareRoot()
            for j in 0..<n { scaled[i * n + j] *= r }
            rhs[i] = y[i] * r
        }
        // G = (√W A)ᵀ(√W A), upper triangle, row-major n×n; b = (√W A)ᵀ(√W y).
        var gram = [Double](repeating: 0, count: n * n), b = [Double](repeating: 0, count: n)
        let (bn, bm) = (try blas(n, op), try blas(m, op))
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, bn, bm, 1, scaled, bn, 0, &gram, bn)
        cblas_dgemv(CblasRowMajor, CblasTrans, bm, bn, 1, scaled, bn, rhs, 1, 0, &b, 1)
        for j in 0..<n { gram[j * n + j] += ridge }
        return try solvePositiveDefinite(gram, b, order: n)
    }

    /// x with A·x = b for a symmetric positive-definite n×n A, of which only the upper
    /// triangle (row-major) is read (dposv). A matrix that is not positive definite (a
    /// singular design) is an error, not a guess.
    public static func solvePositiveDefinite(_ a: [Double], _ b: [Double], order n: Int) throws -> [Double] {
        let op = "positive-definite solve"
        let (count, overflow) = n.multipliedReportingOverflow(by: n)
        guard n >= 1, !overflow, a.count == count, b.count == n else {
            throw TensorError.invalidArgument(op: op, "an \(n)×\(n) system needs \(n)² and \(n) values, got \(a.count) and \(b.count)")
        }
        _ = Parallel.configureBLAS
        // Row-major upper is column-major lower: the same buffer, read as its transpose.
        var uplo = CChar(UInt8(ascii: "L")), order = try blas(n, op), one: blasint = 1, info: blasint = 0
        var matrix = a, x = b, lda = order, ldb = order
        dposv_(&uplo, &order, &one, &matrix, &lda, &x, &ldb, &info, 1)
        guard info == 0 else {
            throw TensorError.invalidArgument(op: op, info > 0
                ? "the matrix is not positive definite (leading minor \(info)): the system is singular"
                : "argument \(-info) was invalid")
        }
        return x
    }
}
