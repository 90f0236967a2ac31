@testable import LoupeTensor
import LoupeTesting
import XCTest

/// The row-block cut of large GEMMs: right against a plain triple loop in Double for every
/// transposition, and bit-identical whatever the thread count. The shapes are the ones
/// that broke on an AVX-512 machine when the cut followed the thread count: a 48-row block
/// fell under OpenBLAS's small-matrix threshold and took another kernel than the whole.
final class GEMMTests: XCTestCase {
    func product(_ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int, threads: Int) -> (got: [Float], want: [Double]) {
        let a = randomTensor([m * k], seed: 11).scalars, b = randomTensor([k * n], seed: 12).scalars
        // op(A)[i, p] and op(B)[p, j] in row-major storage of A (m×k or k×m) and B.
        func opA(_ i: Int, _ p: Int) -> Float { ta ? a[p * m + i] : a[i * k + p] }
        func opB(_ p: Int, _ j: Int) -> Float { tb ? b[j * k + p] : b[p * n + j] }
        var want = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { want[i * n + j] += Double(opA(i, p)) * Double(opB(p, j)) } } }
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
        return (c, want)
    }

    func testBlocksAreRightAndIndependentOfTheThreadCount() {
        for (m, n, k) in [(120, 132, 144), (50, 600, 576), (300, 100, 80)] {
            XCTAssertGreaterThanOrEqual(m * n * k, 1 << 21, "large enough to be cut")
            for (ta, tb) in [(false, false), (false, true), (true, false), (true, true)] {
                let one = product(ta, tb, m: m, n: n, k: k, threads: 1)
                let two = product(ta, tb, m: m, n: n, k: k, threads: 2)
                let three = product(ta, tb, m: m, n: n, k: k, threads: 3)
                for (threads, other) in [(2, two.got), (3, three.got)] {
                    let i = one.got.indices.first { one.got[$0] != other[$0] }
                    XCTAssertNil(i, "m \(m) n \(n) k \(k) transA \(ta) transB \(tb), 1 vs \(threads) threads: "
                                 + (i.map { "c[\($0)] \(one.got[$0]) vs \(other[$0])" } ?? ""))
                }
                let worst = zip(two.got, two.want).map { abs(Double($0) - $1) }.max() ?? .nan
                XCTAssertLessThan(worst, 1e-3, "m \(m) n \(n) k \(k) transA \(ta) transB \(tb)")
            }
        }
    }
}
