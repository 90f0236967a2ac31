import LoupeTensor
import XCTest

/// Weighted least squares through BLAS and LAPACK, against normal equations solved by hand.
final class LeastSquaresTests: XCTestCase {
    // Rows (1, 0), (0, 1), (1, 1), targets 1, 2, 4, weights 1, 1, 2:
    // AᵀWA = [[3, 2], [2, 3]], AᵀWy = (9, 10).
    let design: [Double] = [1, 0, 0, 1, 1, 1], targets: [Double] = [1, 2, 4], weights: [Double] = [1, 1, 2]

    func testWeightedLeastSquaresByHand() throws {
        // [[3, 2], [2, 3]]⁻¹ = [[3, −2], [−2, 3]] / 5, so x = (27 − 20, 30 − 18) / 5.
        let x = try LAPACK.weightedLeastSquares(design, rows: 3, columns: 2, targets: targets, weights: weights)
        XCTAssertEqual(x[0], 7.0 / 5, accuracy: 1e-12)
        XCTAssertEqual(x[1], 12.0 / 5, accuracy: 1e-12)
    }

    func testRidgeAddsToTheDiagonal() throws {
        // [[4, 2], [2, 4]]⁻¹ = [[4, −2], [−2, 4]] / 12: x = (36 − 20, 40 − 18) / 12.
        let x = try LAPACK.weightedLeastSquares(design, rows: 3, columns: 2, targets: targets, weights: weights, ridge: 1)
        XCTAssertEqual(x[0], 16.0 / 12, accuracy: 1e-12)
        XCTAssertEqual(x[1], 22.0 / 12, accuracy: 1e-12)
    }

    func testAZeroWeightDropsItsRow() throws {
        // Without the third row the fit is exact on the first two: x = (1, 2).
        let x = try LAPACK.weightedLeastSquares(design, rows: 3, columns: 2, targets: targets, weights: [1, 1, 0])
        XCTAssertEqual(x[0], 1, accuracy: 1e-12)
        XCTAssertEqual(x[1], 2, accuracy: 1e-12)
    }

    func testPositiveDefiniteSolveByHand() throws {
        // [[4, 1], [1, 3]] x = (1, 2): x = (3 − 2, 8 − 1) / 11; the lower triangle is never read.
        let x = try LAPACK.solvePositiveDefinite([4, 1, .nan, 3], [1, 2], order: 2)
        XCTAssertEqual(x[0], 1.0 / 11, accuracy: 1e-12)
        XCTAssertEqual(x[1], 7.0 / 11, accuracy: 1e-12)
    }

    func testSingularOrMalformedSystemsAreErrors() {
        // Two equal columns: AᵀA is singular.
        XCTAssertThrowsError(try LAPACK.weightedLeastSquares([1, 1, 2, 2, 3, 3], rows: 3, columns: 2, targets: [1, 2, 3], weights: [1, 1, 1]))
        XCTAssertThrowsError(try LAPACK.solvePositiveDefinite([1, 2, 2, 1], [1, 1], order: 2), "indefinite")
        XCTAssertThrowsError(try LAPACK.weightedLeastSquares(design, rows: 3, columns: 2, targets: [1, 2], weights: weights))
        XCTAssertThrowsError(try LAPACK.weightedLeastSquares(design, rows: 3, columns: 2, targets: targets, weights: [1, -1, 1]))
        XCTAssertThrowsError(try LAPACK.weightedLeastSquares(design, rows: 3, columns: 2, targets: [1, .nan, 2], weights: weights))
        XCTAssertThrowsError(try LAPACK.solvePositiveDefinite([1], [1, 2], order: 2))
    }
}
