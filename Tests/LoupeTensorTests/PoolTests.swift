import LoupeTensor
import LoupeTesting
import XCTest

/// Max, average, adaptive and global pooling: switches, PyTorch's window and
/// divisor rules against naive references, and finite-difference gradients.
final class PoolTests: XCTestCase {
    /// Under the kernel variant `make test` asks for (the best by default).
    override func invokeTest() { withTestedKernelVariant { super.invokeTest() } }

    /// A random permutation of 0, 0.05, 0.10, …: distinct values ≥ 0.05 apart, so a
    /// finite difference of ±0.01 never changes which element wins a max window.
    func distinctValues(_ shape: [Int], seed: UInt64) throws -> Tensor {
        let count = shape.reduce(1, *)
        var values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }
        var stream = RandomStream(seed: seed, key: [5])
        for i in stride(from: count - 1, to: 0, by: -1) { values.swapAt(i, stream.nextInt(i + 1)) }
        return try Tensor(shape: shape, scalars: values)
    }

    // MARK: max pooling

    func testMaxPoolSwitchesOnTiesAndOverlappingWindows() throws {
        // Input 4×5 (flat index y·5 + x):
        //   row 0:  1 3 3 0 2      indices  0  1  2  3  4
        //   row 1:  3 2 1 3 3               5  6  7  8  9
        //   row 2:  0 3 2 1 0              10 11 12 13 14
        //   row 3:  1 1 4 1 1              15 16 17 18 19
        // kernel 3, stride 2, padding 1 → 2×3 outputs; rows [0,2) and [1,4), columns [0,2), [1,4), [3,5).
        //   (0,0) rows 0-1 cols 0-1: 1 3 / 3 2   → 3; first in row order is (0,1) = 1
        //         (a column-first scan would pick (1,0) = 5)
        //   (0,1) rows 0-1 cols 1-3: 3 3 0 / 2 1 3 → 3 at (0,1) = 1
        //   (0,2) rows 0-1 cols 3-4: 0 2 / 3 3   → 3 at (1,3) = 8
        //   (1,0) rows 1-3 cols 0-1: 3 2 / 0 3 / 1 1 → 3 at (1,0) = 5
        //   (1,1) rows 1-3 cols 1-3: 2 1 3 / 3 2 1 / 1 4 1 → 4 at (3,2) = 17
        //   (1,2) rows 1-3 cols 3-4: 3 3 / 1 0 / 1 1 → 3 at (1,3) = 8
        let x = try Tensor(shape: [1, 1, 4, 5], scalars: [1, 3, 3, 0, 2, 3, 2, 1, 3, 3, 0, 3, 2, 1, 0, 1, 1, 4, 1, 1])
            .requiringGrad()
        let (y, indices) = try x.maxPool2dWithIndices(kernel: 3, stride: 2, padding: 1)
        XCTAssertEqual(y.shape, [1, 1, 2, 3])
        XCTAssertEqual(y.scalars, [3, 3, 3, 3, 4, 3])
        XCTAssertEqual(indices, [1, 1, 8, 5, 17, 8])
        // Seed 1…6: index 1 collects 1 + 2, index 8 collects 3 + 6, index 5 gets 4, index 17 gets 5.
        try y.backward(seed: Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        var expected = [Float](repeating: 0, count: 20)
        expected[1] = 3; expected[8] = 9; expected[5] = 4; expected[17] = 5
        XCTAssertEqual(x.grad?.scalars, expected)
    }

    /// The 2×2 stride-2 pool takes 8 outputs per SIMD step: wide rows (vector body and a
    /// 3-column tail), values from {0, 1, 2} (ties in most windows) and NaNs, against a
    /// scalar scan written here: first maximum in row order wins, a NaN beats any number
    /// and a later NaN beats an earlier one (PyTorch's rule).
    func testMaxPool2x2SwitchesWithTiesAndNaNs() throws {
        let (n, c, h, w) = (2, 3, 6, 38)
        var stream = RandomStream(seed: 3, key: [8])
        let values: [Float] = (0..<(n * c * h * w)).map { _ in
            let r = stream.nextInt(40)
            return r == 0 ? .nan : Float(r % 3)
        }
        let (y, indices) = try Tensor(shape: [n, c, h, w], scalars: values).maxPool2dWithIndices(kernel: 2)
        let (oh, ow) = (h / 2, w / 2)
        var expectedIndices: [Int] = []
        for plane in 0..<(n * c) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity, at = 2 * oy * w + 2 * ox
                    for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let i = (2 * oy + dy) * w + 2 * ox + dx, v = values[plane * h * w + i]
                        if v > best || v.isNaN { (best, at) = (v, i) }
                    }
                    expectedIndices.append(at)
                }
            }
        }
        XCTAssertEqual(indices, expectedIndices)
        let out = y.scalars
        for (j, i) in expectedIndices.enumerated() {
            let v = values[(j / (oh * ow)) * h * w + i]
            XCTAssert(v.isNaN ? out[j].isNaN : out[j] == v, "output \(j): \(out[j]) vs \(v)")
        }
        XCTAssert(values.contains { $0.isNaN } && expectedIndices.contains { $0 % 2 == 1 })
    }

    /// maxPool2d's 2×2 path keeps one-byte switches and writes its gradient without
    /// zero-filling: same values and gradients as the indexed pool, odd sizes included
    /// (the last row/column is never selected and must get zero gradient).
    func testPlain2x2FastPathMatchesTheIndexedPool() throws {
        for shape in [[2, 3, 6, 38], [1, 2, 5, 7], [1, 1, 2, 3]] {
            let seed = randomTensor([shape[0], shape[1], shape[2] / 2, shape[3] / 2], seed: 4)
            let x = try distinctValues(shape, seed: 9).requiringGrad()
            let y = try x.maxPool2d(kernel: 2)
            try y.backward(seed: seed)
            let x2 = try distinctValues(shape, seed: 9).requiringGrad()
            let y2 = try x2.maxPool2dWithIndices(kernel: 2).output
            try y2.backward(seed: seed)
            XCTAssertEqual(y.scalars, y2.scalars, "\(shape)")
            XCTAssertEqual(x.grad?.scalars, x2.grad?.scalars, "\(shape)")
            XCTAssertEqual(x.grad?.scalars.filter { $0 != 0 }.count, seed.count, "\(shape): one winner per window")
        }
    }

    func testMaxPoolMatchesNaiveReference() throws {
        let x = randomTensor([2, 3, 8, 6], seed: 11)
        for (k, s, p, ceil) in [(3, 2, 1, true), (3, 2, 1, false), (2, 2, 0, false), (3, 1, 1, false), (2, 2, 1, true)] {
            let y = try x.maxPool2d(kernel: k, stride: s, padding: p, ceilMode: ceil)
            let (oh, ow) = (y.shape[2], y.shape[3])
            XCTAssertEqual(y.scalars, naiveMaxPool(x, k: k, s: s, p: p, oh: oh, ow: ow), "k\(k) s\(s) p\(p) ceil \(ceil)")
        }
    }

    func testMaxPoolGradients() throws {
        let x = try distinctValues([2, 3, 7, 5], seed: 1)
        try checkGradients([x]) { try $0[0].maxPool2d(kernel: 3, stride: 2, padding: 1) }
        try checkGradients([x]) { try $0[0].maxPool2d(kernel: 3, stride: 2, ceilMode: true) }
        try checkGradients([x]) { try $0[0].maxPool2d(kernel: 2) }
        try checkGradients([x]) { try $0[0].maxPool2d(kernel: 3, stride: 1, padding: 1) }
        try checkGradients([try distinctValues([1, 2, 8, 6], seed: 2)]) {
            try $0[0].maxPool2d(kernel: 3, stride: 2, padding: 1, ceilMode: true)
        }
    }

    func testMaxPoolPadsWithMinusInfinity() throws {
        // All-negative input: zero padding would win every border window; −∞ padding never does.
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [-4, -3, -2, -1])
        let y = try x.maxPool2d(kernel: 2, stride: 1, padding: 1)
        XCTAssertEqual(y.scalars, [-4, -3, -3, -2, -1, -1, -2, -1, -1])
    }

    // MARK: output sizes (PyTorch's pooling_output_shape)

    func testOutputSizesIncludingCeilMode() throws {
        let x = randomTensor([1, 1, 6, 5], seed: 3)
        // floor((6−3)/2)+1 = 2, floor((5−3)/2)+1 = 2; ceil mode: ceil(3/2)+1 = 3 rows, ceil(2/2)+1 = 2 columns.
        XCTAssertEqual(try x.maxPool2d(kernel: 3, stride: 2).shape, [1, 1, 2, 2])
        XCTAssertEqual(try x.maxPool2d(kernel: 3, stride: 2, ceilMode: true).shape, [1, 1, 3, 2])
        // 5×5, kernel 2, stride 2, padding 1, ceil: ceil(5/2)+1 = 4 windows, but the 4th would start
        // at 3·2 − 1 = 5, inside the right padding, so it is dropped → 3.
        let five = randomTensor([1, 1, 5, 5], seed: 4)
        XCTAssertEqual(try five.maxPool2d(kernel: 2, stride: 2, padding: 1, ceilMode: true).shape, [1, 1, 3, 3])
        XCTAssertEqual(try five.avgPool2d(kernel: 2, stride: 2, padding: 1, ceilMode: true).shape, [1, 1, 3, 3])
        // Stride defaults to the kernel.
        XCTAssertEqual(try randomTensor([2, 3, 7, 5], seed: 5).maxPool2d(kernel: 2).shape, [2, 3, 3, 2])
    }

    func testInvalidArgumentsThrow() throws {
        let x = randomTensor([1, 2, 4, 4], seed: 6)
        XCTAssertThrowsError(try randomTensor([2, 4, 4], seed: 6).maxPool2d(kernel: 2))
        XCTAssertThrowsError(try x.maxPool2d(kernel: 2, padding: 2))   // more than half the kernel
        XCTAssertThrowsError(try x.maxPool2d(kernel: 0))
        XCTAssertThrowsError(try x.avgPool2d(kernel: 2, stride: 0))
        XCTAssertThrowsError(try x.avgPool2d(kernel: 7))                // larger than the input
        XCTAssertThrowsError(try x.adaptiveAvgPool2d(height: 0, width: 2))
        XCTAssertThrowsError(try randomTensor([1, 2, 3], seed: 6).globalAvgPool2d())
    }

    // MARK: average pooling

    func testAvgPoolDivisorWithAndWithoutPadding() throws {
        // [[1, 2], [3, 4]], kernel 2, stride 1, padding 1 → 3×3 windows.
        // Corner (0,0) sees only 1: 1/4 = 0.25 counting padding, 1/1 otherwise.
        // Edge (0,1) sees 1 + 2 = 3: 3/4 = 0.75 or 3/2 = 1.5. Centre sees all: 10/4 = 2.5.
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let included = try x.avgPool2d(kernel: 2, stride: 1, padding: 1)
        assertClose(included.scalars, [0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1])
        let excluded = try x.avgPool2d(kernel: 2, stride: 1, padding: 1, countIncludePad: false)
        assertClose(excluded.scalars, [1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4])
    }

    func testAvgPoolMatchesNaiveReference() throws {
        let x = randomTensor([2, 3, 8, 6], seed: 12)
        // 8×6, kernel 3, stride 2, padding 1, ceil: 5×4, and the last row window hangs past the padding.
        for (k, s, p, ceil) in [(3, 2, 1, true), (3, 2, 1, false), (2, 2, 0, false), (3, 1, 1, true), (2, 2, 1, true)] {
            for include in [true, false] {
                let y = try x.avgPool2d(kernel: k, stride: s, padding: p, countIncludePad: include, ceilMode: ceil)
                let (oh, ow) = (y.shape[2], y.shape[3])
                assertClose(y.scalars, naiveAvgPool(x, k: k, s: s, p: p, includePad: include, oh: oh, ow: ow))
            }
        }
        XCTAssertEqual(try x.avgPool2d(kernel: 3, stride: 2, padding: 1, ceilMode: true).shape, [2, 3, 5, 4])
    }

    func testAvgPoolGradients() throws {
        let x = randomTensor([2, 3, 7, 5], seed: 13)
        try checkGradients([x]) { try $0[0].avgPool2d(kernel: 3, stride: 2, padding: 1) }
        try checkGradients([x]) { try $0[0].avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludePad: false) }
        try checkGradients([x]) { try $0[0].avgPool2d(kernel: 3, stride: 2, ceilMode: true) }
        try checkGradients([x]) { try $0[0].avgPool2d(kernel: 2) }
        try checkGradients([randomTensor([1, 2, 8, 6], seed: 14)]) {
            try $0[0].avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true)
        }
    }

    // MARK: adaptive and global pooling

    func testAdaptiveBins() throws {
        // 5 → 3 bins: [0, ⌈5/3⌉) = [0,2), [⌊5/3⌋, ⌈10/3⌉) = [1,4), [⌊10/3⌋, 5) = [3,5).
        let row = try Tensor(shape: [1, 1, 1, 5], scalars: [1, 2, 3, 4, 5])
        assertClose(try row.adaptiveAvgPool2d(height: 1, width: 3).scalars, [1.5, 3, 4.5])
        // 2 → 3 bins (upsampling): [0,1), [0,2), [1,2).
        let two = try Tensor(shape: [1, 1, 1, 2], scalars: [2, 6])
        assertClose(try two.adaptiveAvgPool2d(height: 1, width: 3).scalars, [2, 4, 6])
        // Same size is the identity (VGG's 7×7 pool on 224-pixel inputs).
        let x = randomTensor([1, 2, 7, 7], seed: 15)
        XCTAssertEqual(try x.adaptiveAvgPool2d(height: 7, width: 7).scalars, x.scalars)
    }

    func testAdaptiveMatchesNaiveReference() throws {
        let x = randomTensor([2, 3, 7, 5], seed: 16)
        for (oh, ow) in [(3, 2), (4, 4), (1, 1), (7, 5), (9, 6)] {
            let y = try x.adaptiveAvgPool2d(height: oh, width: ow)
            XCTAssertEqual(y.shape, [2, 3, oh, ow])
            assertClose(y.scalars, naiveAdaptive(x, oh: oh, ow: ow))
        }
    }

    func testAdaptiveAndGlobalGradients() throws {
        let x = randomTensor([2, 3, 7, 5], seed: 17)
        try checkGradients([x]) { try $0[0].adaptiveAvgPool2d(height: 3, width: 2) }
        try checkGradients([x]) { try $0[0].adaptiveAvgPool2d(height: 4, width: 4) }
        try checkGradients([x]) { try $0[0].adaptiveAvgPool2d(height: 9, width: 6) }
        try checkGradients([x]) { try $0[0].globalAvgPool2d() }
    }

    func testGlobalAvgPool() throws {
        let x = randomTensor([2, 3, 7, 5], seed: 18)
        let y = try x.globalAvgPool2d()
        XCTAssertEqual(y.shape, [2, 3])
        let v = x.scalars
        let expected = (0..<6).map { plane in v[(plane * 35)..<((plane + 1) * 35)].reduce(0, +) / 35 }
        assertClose(y.scalars, expected)
    }

    // MARK: determinism

    func testResultsDoNotDependOnThreadCount() throws {
        // 2·8·64·64 elements: large enough that the kernels split over workers.
        let x = try distinctValues([2, 8, 64, 64], seed: 19)
        func run() throws -> [[Float]] {
            let leaf = x.requiringGrad()
            let a = try leaf.maxPool2d(kernel: 3, stride: 2, padding: 1)
            let b = try leaf.avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludePad: false)
            let c = try leaf.adaptiveAvgPool2d(height: 7, width: 7)
            let loss = try (a.sum() + b.sum() * 2) + c.sum() * 3
            try loss.backward()
            return [a.scalars, b.scalars, c.scalars, leaf.grad?.scalars ?? []]
        }
        let serial = try withThreads(1, run)
        let parallel = try withThreads(4, run)
        XCTAssertEqual(serial, parallel)
    }

    // MARK: naive references (one window element at a time, padding explicit)

    func naiveMaxPool(_ x: Tensor, k: Int, s: Int, p: Int, oh: Int, ow: Int) -> [Float] {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let v = x.scalars
        var out: [Float] = []
        for plane in 0..<planes {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let (y, xx) = (oy * s - p + ky, ox * s - p + kx)
                            if y >= 0 && y < h && xx >= 0 && xx < w { best = max(best, v[plane * h * w + y * w + xx]) }
                        }
                    }
                    out.append(best)
                }
            }
        }
        return out
    }

    func naiveAvgPool(_ x: Tensor, k: Int, s: Int, p: Int, includePad: Bool, oh: Int, ow: Int) -> [Float] {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let v = x.scalars
        var out: [Float] = []
        for plane in 0..<planes {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var total: Float = 0, padded = 0, valid = 0
                    for ky in 0..<k {
                        for kx in 0..<k {
                            let (y, xx) = (oy * s - p + ky, ox * s - p + kx)
                            // The padded image spans [−p, n + p); beyond it (ceil mode) nothing counts.
                            if y < h + p && xx < w + p { padded += 1 }
                            if y >= 0 && y < h && xx >= 0 && xx < w {
                                total += v[plane * h * w + y * w + xx]
                                valid += 1
                            }
                        }
                    }
                    out.append(total / Float(includePad ? padded : valid))
                }
            }
        }
        return out
    }

    func naiveAdaptive(_ x: Tensor, oh: Int, ow: Int) -> [Float] {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let v = x.scalars
        func bin(_ i: Int, _ n: Int, _ out: Int) -> Range<Int> {
            Int((Double(i * n) / Double(out)).rounded(.down))..<Int((Double((i + 1) * n) / Double(out)).rounded(.up))
        }
        var out: [Float] = []
        for plane in 0..<planes {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let (rows, cols) = (bin(oy, h, oh), bin(ox, w, ow))
                    var total: Float = 0
                    for y in rows { for xx in cols { total += v[plane * h * w + y * w + xx] } }
                    out.append(total / Float(rows.count * cols.count))
                }
            }
        }
        return out
    }
}
