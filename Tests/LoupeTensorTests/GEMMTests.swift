@testable import LoupeTensor
import LoupeTesting
import XCTest

/// The row-block cut of large GEMMs: right against a plain triple loop in Double for every
/// transposition, and bit-identical whatever the thread count. The shapes are the ones
/// that broke on an AVX-512 machine when the cut followed the thread count: a 48-row block
/// fell under OpenBLAS's small-matrix threshold and took another kernel than the whole.
final class GEMMTests: XCTestCase {
    /// Set by GEMMUnderEveryCoreTests when it runs these tests under a forced core.
    static let expectedCoreVariable = "LOUPE_TEST_BLAS_CORE"

    func operands(m: Int, n: Int, k: Int) -> (a: [Float], b: [Float]) {
        (randomTensor([m * k], seed: 11).scalars, randomTensor([k * n], seed: 12).scalars)
    }

    /// op(A)·op(B) by the definition, in Double.
    func reference(_ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int) -> [Double] {
        let (a, b) = operands(m: m, n: n, k: k)
        // Rows of op(A) and columns of op(B), read from row-major A (m×k or k×m) and B.
        let rows = (0..<m).map { i in (0..<k).map { p in Double(ta ? a[p * m + i] : a[i * k + p]) } }
        let columns = (0..<n).map { j in (0..<k).map { p in Double(tb ? b[j * k + p] : b[p * n + j]) } }
        return rows.flatMap { row in columns.map { column in zip(row, column).reduce(0) { $0 + $1.0 * $1.1 } } }
    }

    func product(_ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int, threads: Int) -> [Float] {
        let (a, b) = operands(m: m, n: n, k: k)
        var c = [Float](repeating: .nan, count: m * n)
        withThreads(threads) {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        gemm(transA: ta, transB: tb, m: m, n: n, k: k, a: pa.baseAddress!, lda: ta ? m : k,
                             b: pb.baseAddress!, ldb: tb ? k : n, c: pc.baseAddress!, ldc: n)
                    }
                }
            }
        }
        return c
    }

    func testBlocksAreRightAndIndependentOfTheThreadCount() {
        if let core = ProcessInfo.processInfo.environment[Self.expectedCoreVariable] {
            XCTAssertEqual(OpenBLAS.runningCore, core, "OpenBLAS did not take the core it was given")
        }
        for (m, n, k) in [(120, 132, 144), (50, 600, 576), (300, 100, 80)] {
            XCTAssertGreaterThanOrEqual(m * n * k, 1 << 21, "large enough to be cut")
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                let one = product(ta, tb, m: m, n: n, k: k, threads: 1)
                let two = product(ta, tb, m: m, n: n, k: k, threads: 2)
                let three = product(ta, tb, m: m, n: n, k: k, threads: 3)
                for (threads, other) in [(2, two), (3, three)] {
                    let i = one.indices.first { one[$0] != other[$0] }
                    XCTAssertNil(i, "m \(m) n \(n) k \(k) transA \(ta) transB \(tb), 1 vs \(threads) threads: "
                                 + (i.map { "c[\($0)] \(one[$0]) vs \(other[$0])" } ?? ""))
                }
                let want = reference(ta, tb, m: m, n: n, k: k)
                let worst = zip(two, want).map { abs(Double($0) - $1) }.max() ?? .nan
                XCTAssertLessThan(worst, 1e-3, "m \(m) n \(n) k \(k) transA \(ta) transB \(tb)")
            }
        }
    }
}
