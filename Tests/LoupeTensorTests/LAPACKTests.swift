import LoupeTensor
import XCTest

/// The LAPACK wrappers on row-major arrays: checked by what an SVD and an eigenvalue
/// problem must satisfy, not by LAPACK's own output.
final class LAPACKTests: XCTestCase {
    func matrix(_ m: Int, _ n: Int, seed: UInt64) throws -> [Float] {
        try Tensor.randomNormal([m, n], std: 1, stream: RandomStream(seed: seed)).scalars
    }

    func testSVDReconstructsAndIsOrthonormal() throws {
        for (m, n) in [(5, 3), (3, 5), (4, 4), (1, 6), (49, 12)] {
            let a = try matrix(m, n, seed: UInt64(m * 100 + n))
            let (u, s, vt) = try LAPACK.svd(a, rows: m, columns: n)
            let k = min(m, n)
            XCTAssertEqual(u.count, m * k)
            XCTAssertEqual(vt.count, k * n)
            XCTAssertEqual(s, s.sorted(by: >), "descending")
            XCTAssertTrue(s.allSatisfy { $0 >= 0 })
            for i in 0..<m {
                for j in 0..<n {
                    var v: Float = 0
                    for r in 0..<k { v += u[i * k + r] * s[r] * vt[r * n + j] }
                    XCTAssertEqual(v, a[i * n + j], accuracy: 1e-4, "\(m)×\(n) at (\(i), \(j))")
                }
            }
            for r in 0..<k {
                for q in 0..<k {
                    var uu: Float = 0, vv: Float = 0
                    for i in 0..<m { uu += u[i * k + r] * u[i * k + q] }
                    for j in 0..<n { vv += vt[r * n + j] * vt[q * n + j] }
                    XCTAssertEqual(uu, r == q ? 1 : 0, accuracy: 1e-4)
                    XCTAssertEqual(vv, r == q ? 1 : 0, accuracy: 1e-4)
                }
            }
        }
    }

    func testSVDByHand() throws {
        // [[3, 0], [0, −2], [0, 0]]: singular values 3 and 2, u₁ = ±e₁, v₁ = ±e₁.
        let (u, s, vt) = try LAPACK.svd([3, 0, 0, -2, 0, 0], rows: 3, columns: 2)
        XCTAssertEqual(s[0], 3, accuracy: 1e-6)
        XCTAssertEqual(s[1], 2, accuracy: 1e-6)
        XCTAssertEqual(abs(u[0]), 1, accuracy: 1e-6)
        XCTAssertEqual(u[0] * vt[0], 1, accuracy: 1e-6, "the pair's signs agree: u₁σ₁v₁ᵀ reproduces a₁₁ = 3")
    }

    func testSVDRefusesBadInput() {
        XCTAssertThrowsError(try LAPACK.svd([1, 2, 3], rows: 2, columns: 2))
        XCTAssertThrowsError(try LAPACK.svd([], rows: 0, columns: 0))
        XCTAssertThrowsError(try LAPACK.svd([1, .nan], rows: 1, columns: 2))
    }

    func testTridiagonalEigenvalues() throws {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3; the path graph's Laplacian-like
        // tridiag(−1, 2, −1) of size n has 2 − 2·cos(kπ/(n+1)).
        let two = try LAPACK.tridiagonalEigenvalues(diagonal: [2, 2], offDiagonal: [1])
        XCTAssertEqual(two[0], 1, accuracy: 1e-14)
        XCTAssertEqual(two[1], 3, accuracy: 1e-14)
        let n = 7
        let values = try LAPACK.tridiagonalEigenvalues(diagonal: Array(repeating: 2, count: n), offDiagonal: Array(repeating: -1, count: n - 1))
        for (k, v) in values.enumerated() {
            XCTAssertEqual(v, 2 - 2 * cos(Double(k + 1) * .pi / Double(n + 1)), accuracy: 1e-13)
        }
        XCTAssertThrowsError(try LAPACK.tridiagonalEigenvalues(diagonal: [1, 2], offDiagonal: []))
    }
}
