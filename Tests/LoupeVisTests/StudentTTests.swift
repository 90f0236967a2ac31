@testable import LoupeVis
import XCTest

/// The regularized incomplete beta, Student's t CDF and Welch's test against closed forms,
/// printed t-tables and values from scipy.stats 1.17 (computed outside Loupe).
final class StudentTTests: XCTestCase {
    func testIncompleteBetaClosedForms() {
        for x in [0.1, 0.37, 0.5, 0.93] {
            XCTAssertEqual(IncompleteBeta.regularized(x, a: 1, b: 1), x, accuracy: 1e-13)          // uniform
            XCTAssertEqual(IncompleteBeta.regularized(x, a: 3, b: 1), x * x * x, accuracy: 1e-13)  // I_x(a, 1) = xᵃ
            XCTAssertEqual(IncompleteBeta.regularized(x, a: 1, b: 2), 1 - (1 - x) * (1 - x), accuracy: 1e-13)
        }
        XCTAssertEqual(IncompleteBeta.regularized(0.5, a: 7.5, b: 7.5), 0.5, accuracy: 1e-13)     // symmetry
        XCTAssertEqual(IncompleteBeta.regularized(0.4, a: 2.5, b: 3.5), 0.4869041915261176, accuracy: 1e-12)
        XCTAssertEqual(IncompleteBeta.regularized(0.9, a: 10, b: 0.5), 0.15164090963470994, accuracy: 1e-12)
        XCTAssertEqual(IncompleteBeta.regularized(0, a: 2, b: 3), 0)
        XCTAssertEqual(IncompleteBeta.regularized(1, a: 2, b: 3), 1)
    }

    func testTCDFAgainstClosedFormsAndTables() {
        // ν = 1 is the Cauchy distribution: F(t) = ½ + atan(t)/π.
        for t in [-3.0, -0.4, 0, 1, 2.5] {
            XCTAssertEqual(StudentT.cdf(t, degreesOfFreedom: 1), 0.5 + atan(t) / Double.pi, accuracy: 1e-13)
        }
        // ν = 2: F(t) = ½ + t / (2√(2 + t²)).
        for t in [-2.0, 0.5, 2] {
            XCTAssertEqual(StudentT.cdf(t, degreesOfFreedom: 2), 0.5 + t / (2 * (2 + t * t).squareRoot()), accuracy: 1e-13)
        }
        // Two-sided critical values from a printed t-table (3 decimals).
        let table: [(nu: Double, t: Double, p: Double)] = [
            (1, 12.706, 0.05), (5, 2.571, 0.05), (10, 2.228, 0.05), (30, 2.042, 0.05), (5, 4.032, 0.01), (20, 2.845, 0.01),
            (9, 1.833, 0.10),
        ]
        for row in table {
            XCTAssertEqual(StudentT.twoSidedP(row.t, degreesOfFreedom: row.nu), row.p, accuracy: 2e-4, "ν = \(row.nu), t = \(row.t)")
            XCTAssertEqual(StudentT.cdf(row.t, degreesOfFreedom: row.nu), 1 - row.p / 2, accuracy: 1e-4)
            XCTAssertEqual(StudentT.cdf(-row.t, degreesOfFreedom: row.nu), row.p / 2, accuracy: 1e-4)
        }
        // Non-integer ν, as Welch's test produces (scipy.stats.t.cdf).
        XCTAssertEqual(StudentT.cdf(2.0, degreesOfFreedom: 3.5), 0.9369307387120432, accuracy: 1e-12)
        XCTAssertEqual(StudentT.cdf(-1.5, degreesOfFreedom: 7.3), 0.08778154640154305, accuracy: 1e-12)
        XCTAssertEqual(StudentT.cdf(0.3, degreesOfFreedom: 60), 0.6173929623932702, accuracy: 1e-12)
    }

    func testWelchAgainstScipy() throws {
        // scipy.stats.ttest_ind(a, b, equal_var=False).
        let first = try WelchTTest([1, 2, 3, 4], [2, 4, 6, 8])
        XCTAssertEqual(first.t ?? .nan, -1.7320508075688774, accuracy: 1e-12)
        XCTAssertEqual(first.degreesOfFreedom, 4.411764705882353, accuracy: 1e-12)
        XCTAssertEqual(first.p, 0.15158050484530375, accuracy: 1e-12)
        let second = try WelchTTest([0.9, 1.0, 0.95, 1.0, 0.85], [0.4, 0.6, 0.5, 0.55, 0.3, 0.7])
        XCTAssertEqual(second.t ?? .nan, 6.619301586606252, accuracy: 1e-10)
        XCTAssertEqual(second.degreesOfFreedom, 7.244867618241051, accuracy: 1e-10)
        XCTAssertEqual(second.p, 0.00025745247228650653, accuracy: 1e-12)
        // Both sides constant: no spread, so equal means give p = 1 and different ones p = 0.
        XCTAssertEqual(try WelchTTest([1, 1, 1], [1, 1]).p, 1)
        XCTAssertEqual(try WelchTTest([1, 1, 1], [0, 0]).p, 0)
        XCTAssertThrowsError(try WelchTTest([1], [1, 2]))
    }
}
