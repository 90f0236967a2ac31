import LoupeTensor
import XCTest

/// dsyevd and dsyrk through LAPACK, against spectra and products worked by hand.
final class SymmetricEigenTests: XCTestCase {
    func testTwoByTwoSpectrumAndVectors() throws {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3 with eigenvectors (1, −1)/√2 and (1, 1)/√2.
        let (values, vectors) = try LAPACK.symmetricEigen([2, 1, 1, 2], order: 2)
        XCTAssertEqual(values[0], 1, accuracy: 1e-12)
        XCTAssertEqual(values[1], 3, accuracy: 1e-12)
        let r = 0.5.squareRoot()
        XCTAssertEqual(abs(vectors[0]), r, accuracy: 1e-12)
        XCTAssertEqual(vectors[0] * vectors[1], -0.5, accuracy: 1e-12)
        XCTAssertEqual(vectors[2] * vectors[3], 0.5, accuracy: 1e-12)
    }

    func testDiagonalWithOnlyTheUpperTriangleFilled() throws {
        // The lower triangle is never read: garbage there changes nothing.
        let (values, _) = try LAPACK.symmetricEigen([5, 0, 0, 99, 1, 0, 99, 99, 3], order: 3)
        XCTAssertEqual(values, [1, 3, 5])
    }

    func testReconstructsTheMatrix() throws {
        let a: [Double] = [4, 1, -2, 1, 3, 0.5, -2, 0.5, 6]
        let (w, v) = try LAPACK.symmetricEigen(a, order: 3)
        for i in 0..<3 {
            for j in 0..<3 {
                let sum = (0..<3).reduce(0.0) { $0 + v[$1 * 3 + i] * w[$1] * v[$1 * 3 + j] }
                XCTAssertEqual(sum, a[i * 3 + j], accuracy: 1e-12)
            }
        }
    }

    func testGramBothWays() throws {
        // a = [[1, 2, 3], [4, 5, 6]]: aᵀa and aaᵀ by hand.
        let a: [Double] = [1, 2, 3, 4, 5, 6]
        XCTAssertEqual(try LAPACK.gram(a, rows: 2, columns: 3, ofColumns: true), [17, 22, 27, 22, 29, 36, 27, 36, 45])
        XCTAssertEqual(try LAPACK.gram(a, rows: 2, columns: 3, ofColumns: false), [14, 32, 32, 77])
    }

    func testBadInputIsAnError() {
        XCTAssertThrowsError(try LAPACK.symmetricEigen([1, 2, 3], order: 2))
        XCTAssertThrowsError(try LAPACK.symmetricEigen([1, .nan, .nan, 1], order: 2))
        XCTAssertThrowsError(try LAPACK.gram([1, 2, 3], rows: 2, columns: 2, ofColumns: true))
    }
}

/// dgemm through `LAPACK.product`, against products worked by hand.
final class DoubleProductTests: XCTestCase {
    func testProductsAndTransposesByHand() throws {
        // A = [[1, 2, 3], [4, 5, 6]], B = [[1, 0], [0, 1], [2, −1]]: AB = [[7, −1], [16, −1]].
        let a: [Double] = [1, 2, 3, 4, 5, 6], b: [Double] = [1, 0, 0, 1, 2, -1]
        XCTAssertEqual(try LAPACK.product(a, b, m: 2, k: 3, n: 2), [7, -1, 16, -1])
        // Aᵀ (3×2) times C = [[1, 1], [0, 2]]: [[1, 9], [2, 12], [3, 15]].
        XCTAssertEqual(try LAPACK.product(a, [1, 1, 0, 2], m: 3, k: 2, n: 2, transA: true), [1, 9, 2, 12, 3, 15])
        // A·Aᵀ = [[14, 32], [32, 77]].
        XCTAssertEqual(try LAPACK.product(a, a, m: 2, k: 3, n: 2, transB: true), [14, 32, 32, 77])
        XCTAssertThrowsError(try LAPACK.product(a, b, m: 2, k: 2, n: 2))
    }
}
