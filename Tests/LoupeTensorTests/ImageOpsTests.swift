import Foundation
import LoupeTensor
import LoupeTesting
import XCTest

/// Finite-difference checks for the image-space ops on odd shapes, batch 2, several channels.
///
/// Every op here is linear in its input (the geometry of resize and warp does not depend on
/// pixel values), so central differences are exact up to Float32 rounding and bilinear kinks
/// cannot spoil them: the check is strict and meaningful for any angle or scale. The warp
/// cases still pick non-trivial geometry (fractional sample points, border blending with a
/// non-zero fill) so that every branch of the backward pass is exercised.
final class ImageOpsGradTests: XCTestCase {
    let odd = randomTensor([2, 3, 7, 5], seed: 21)
    let even = randomTensor([2, 2, 6, 8], seed: 22)

    func testResizeGradients() throws {
        for x in [odd, even] {
            try checkGradients([x], samples: 70) { try $0[0].resizedBilinear(height: 11, width: 9) }
            try checkGradients([x], samples: 70) { try $0[0].resizedBilinear(height: 3, width: 4) }
            try checkGradients([x], samples: 70) { try $0[0].resizedBilinear(height: 5, width: 13) }
        }
    }

    func testWarpGradients() throws {
        for x in [odd, even] {
            try checkGradients([x], samples: 70) { try $0[0].affineWarp(angle: 0.3, scale: 1.1) }
            try checkGradients([x], samples: 70) {
                try $0[0].affineWarp(angle: -0.7, scale: 0.85, translateX: 0.6, translateY: -1.3, fill: 0.5)
            }
            try checkGradients([x], samples: 70) {
                try $0[0].affineWarp(angle: 2.0, scale: 1.6, translateX: -2.2, translateY: 0.4)
            }
        }
    }

    func testRollAndTranslateGradients() throws {
        for x in [odd, even] {
            try checkGradients([x], samples: 70) { try $0[0].rolled(dy: 2, dx: -3) }
            try checkGradients([x], samples: 70) { try $0[0].rolled(dy: -9, dx: 17) }
            try checkGradients([x], samples: 70) { try $0[0].translated(dy: -2, dx: 3, fill: 0.5) }
            try checkGradients([x], samples: 70) { try $0[0].translated(dy: 1, dx: -1) }
        }
    }

    func testBlurGradients() throws {
        for x in [odd, even] {
            try checkGradients([x], samples: 70) { try $0[0].blur3x3() }
            try checkGradients([x], samples: 70) { try $0[0].gaussianBlur(sigma: 1.3) }
            try checkGradients([x], samples: 70) { try $0[0].gaussianBlur(sigma: 0.8, radius: 4) }
            // A radius beyond the image: every output sees the whole axis.
            try checkGradients([x], samples: 70) { try $0[0].gaussianBlur(sigma: 5, radius: 9) }
        }
        // Degenerate one-pixel axes keep working.
        try checkGradients([randomTensor([2, 3, 1, 5], seed: 23)]) { try $0[0].blur3x3() }
    }

    func testComposedTransformsGradient() throws {
        // Lucid-style chain: pad, jitter, scale, rotate, jitter.
        try checkGradients([odd], samples: 70) {
            try $0[0].padded(top: 2, bottom: 2, left: 2, right: 2, value: 0.5)
                .rolled(dy: 1, dx: -2)
                .affineWarp(angle: 0.17, scale: 1.08, fill: 0.5)
                .translated(dy: -1, dx: 1)
                .resizedBilinear(height: 8, width: 8)
        }
    }
}

/// Known values: hand-computed cases and naive references written here.
final class ImageOpsValueTests: XCTestCase {
    /// The rows of a single-plane [1, 1, h, w] tensor.
    private func grid(_ t: Tensor) -> [[Float]] {
        let (h, w) = (t.shape[t.rank - 2], t.shape[t.rank - 1])
        let s = t.scalars
        return (0..<h).map { y in Array(s[(y * w)..<((y + 1) * w)]) }
    }

    // MARK: resize

    func testResize2x2To4x4MatchesPyTorch() throws {
        // F.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), size=(4, 4), mode="bilinear",
        // align_corners=False) — the example in PyTorch's documentation.
        let x = try Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        let expected: [[Float]] = [
            [1.0, 1.25, 1.75, 2.0],
            [1.5, 1.75, 2.25, 2.5],
            [2.5, 2.75, 3.25, 3.5],
            [3.0, 3.25, 3.75, 4.0],
        ]
        let y = grid(try x.resizedBilinear(height: 4, width: 4))
        for (row, want) in zip(y, expected) { assertClose(row, want, tol: 1e-6) }
    }

    /// PyTorch's formula, per output pixel, in Double.
    private func naiveResize(_ x: Tensor, _ oh: Int, _ ow: Int) -> [Float] {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let s = x.scalars
        func source(_ i: Int, _ n: Int, _ m: Int) -> (Int, Int, Double) {
            let real = max((Double(i) + 0.5) * Double(n) / Double(m) - 0.5, 0)
            let lo = Int(floor(real))
            return (lo, min(lo + 1, n - 1), real - Double(lo))
        }
        var out: [Float] = []
        for p in 0..<planes {
            for y in 0..<oh {
                let (y0, y1, fy) = source(y, h, oh)
                for x in 0..<ow {
                    let (x0, x1, fx) = source(x, w, ow)
                    func v(_ yy: Int, _ xx: Int) -> Double { Double(s[(p * h + yy) * w + xx]) }
                    let value = (1 - fy) * ((1 - fx) * v(y0, x0) + fx * v(y0, x1))
                        + fy * ((1 - fx) * v(y1, x0) + fx * v(y1, x1))
                    out.append(Float(value))
                }
            }
        }
        return out
    }

    func testResizeMatchesNaiveFormula() throws {
        let x = randomTensor([2, 3, 7, 5], seed: 31)
        for (oh, ow) in [(11, 9), (3, 4), (7, 5), (14, 2), (1, 1)] {
            let y = try x.resizedBilinear(height: oh, width: ow)
            XCTAssertEqual(y.shape, [2, 3, oh, ow])
            assertClose(y.scalars, naiveResize(x, oh, ow), tol: 1e-5)
        }
        // Same size is the identity.
        assertClose(try x.resizedBilinear(height: 7, width: 5).scalars, x.scalars, tol: 0)
        XCTAssertThrowsError(try x.resizedBilinear(height: 0, width: 3))
        XCTAssertThrowsError(try Tensor.zeros([4]).resizedBilinear(height: 2, width: 2))
    }

    // MARK: warp

    func testWarpIdentity() throws {
        let x = randomTensor([2, 3, 7, 5], seed: 32)
        assertClose(try x.affineWarp(angle: 0, scale: 1).scalars, x.scalars, tol: 0)
        assertClose(try x.affineWarp(angle: 0, scale: 1, fill: 3).scalars, x.scalars, tol: 0)
    }

    func testQuarterTurnIsCounterClockwise() throws {
        // np.rot90 (counter-clockwise as displayed) = flip the transpose upside down:
        // out[y][x] = in[x][n−1−y]. Odd and even sizes (center on a pixel or between).
        for n in [5, 6] {
            let x = randomTensor([2, 3, n, n], seed: UInt64(33 + n))
            let s = x.scalars
            var expected = [Float](repeating: 0, count: s.count)
            for p in 0..<6 {
                for y in 0..<n {
                    for xx in 0..<n { expected[(p * n + y) * n + xx] = s[(p * n + xx) * n + (n - 1 - y)] }
                }
            }
            let y = try x.affineWarp(angle: .pi / 2, scale: 1)
            assertClose(y.scalars, expected, tol: 1e-5)
            // A quarter turn the other way undoes it.
            assertClose(try y.affineWarp(angle: -.pi / 2, scale: 1).scalars, s, tol: 1e-5)
        }
    }

    func testWarpScaleAndFillByHand() throws {
        // One row [1, 2, 3], center x = 1. Scale 2: output x reads source 1 + (x − 1)/2.
        let row = try Tensor(shape: [1, 1, 1, 3], scalars: [1, 2, 3])
        assertClose(try row.affineWarp(angle: 0, scale: 2).scalars, [1.5, 2, 2.5], tol: 1e-6)
        // Shift right by half a pixel: x = 0 reads −0.5, half from the fill.
        assertClose(try row.affineWarp(angle: 0, scale: 1, translateX: 0.5, fill: 9).scalars,
                    [5, 1.5, 2.5], tol: 1e-6)
        // Scale 0.5 (zoom out): the ends read ±2 from the center, both outside → all fill.
        assertClose(try row.affineWarp(angle: 0, scale: 0.5, fill: 7).scalars, [7, 2, 7], tol: 1e-6)
        // A tiny scale sends every pixel but the center far outside (without overflowing).
        assertClose(try row.affineWarp(angle: 0.4, scale: 1e-30, fill: 7).scalars, [7, 2, 7], tol: 1e-6)
    }

    func testWarpIntegerTranslationEqualsTranslated() throws {
        let x = randomTensor([2, 3, 7, 5], seed: 34)
        let warped = try x.affineWarp(angle: 0, scale: 1, translateX: 2, translateY: -1, fill: 0.25)
        assertClose(warped.scalars, try x.translated(dy: -1, dx: 2, fill: 0.25).scalars, tol: 1e-6)
    }

    func testWarpRejectsBadParameters() {
        let x = randomTensor([1, 1, 4, 4], seed: 35)
        XCTAssertThrowsError(try x.affineWarp(angle: 0, scale: 0))
        XCTAssertThrowsError(try x.affineWarp(angle: .nan, scale: 1))
        XCTAssertThrowsError(try x.affineWarp(angle: 0, scale: 1, translateX: .infinity))
    }

    // MARK: roll and translate

    func testRollAndTranslateByHand() throws {
        let x = try Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6])
        // torch.roll(x, (1, 1), (-2, -1)) moves (y, x) to (y+1, x+1) mod size.
        XCTAssertEqual(try x.rolled(dy: 1, dx: 1).scalars, [6, 4, 5, 3, 1, 2])
        XCTAssertEqual(try x.rolled(dy: 0, dx: -4).scalars, [2, 3, 1, 5, 6, 4])
        XCTAssertEqual(try x.rolled(dy: 4, dx: 3).scalars, x.scalars)
        XCTAssertEqual(try x.translated(dy: 1, dx: -1, fill: 9).scalars, [9, 9, 9, 2, 3, 9])
        XCTAssertEqual(try x.translated(dy: 0, dx: 2).scalars, [0, 0, 1, 0, 0, 4])
        XCTAssertEqual(try x.translated(dy: 0, dx: 3, fill: 8).scalars, [8, 8, 8, 8, 8, 8])
        XCTAssertEqual(try x.translated(dy: Int.min, dx: 0, fill: 8).scalars, [8, 8, 8, 8, 8, 8])
        XCTAssertEqual(try x.rolled(dy: Int.min, dx: Int.max).shape, [1, 1, 2, 3])
    }

    // MARK: blur

    func testBlurOfConstantIsConstant() throws {
        let c = try Tensor.full([2, 3, 7, 5], 0.375)
        assertClose(try c.blur3x3().scalars, c.scalars, tol: 1e-6)
        assertClose(try c.gaussianBlur(sigma: 1.7).scalars, c.scalars, tol: 1e-6)
        assertClose(try c.gaussianBlur(sigma: 3, radius: 20).scalars, c.scalars, tol: 1e-6)
    }

    func testBlur3x3ImpulseByHand() throws {
        // A 16 in the middle of a 3×3 image. Interior weights are the kernel itself;
        // a corner sees inside weights 4+2+2+1 = 9, an edge 2+4+2+1+2+1 = 12.
        let x = try Tensor(shape: [1, 1, 3, 3], scalars: [0, 0, 0, 0, 16, 0, 0, 0, 0])
        let c: Float = 16.0 / 9, e: Float = 32.0 / 12
        assertClose(try x.blur3x3().scalars, [c, e, c, e, 4, e, c, e, c], tol: 1e-6)
    }

    /// Direct 2-D weighted average over the inside neighbours, separable weights `k`.
    private func naiveBlur(_ x: Tensor, _ k: [Double]) -> [Float] {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let r = k.count / 2, s = x.scalars
        var out: [Float] = []
        for p in 0..<planes {
            for y in 0..<h {
                for xx in 0..<w {
                    var num = 0.0, den = 0.0
                    for dy in -r...r {
                        for dx in -r...r {
                            let (yy, xs) = (y + dy, xx + dx)
                            guard yy >= 0, yy < h, xs >= 0, xs < w else { continue }
                            let wt = k[dy + r] * k[dx + r]
                            num += wt * Double(s[(p * h + yy) * w + xs])
                            den += wt
                        }
                    }
                    out.append(Float(num / den))
                }
            }
        }
        return out
    }

    func testBlursMatchNaive2DReference() throws {
        let x = randomTensor([2, 3, 7, 5], seed: 36)
        assertClose(try x.blur3x3().scalars, naiveBlur(x, [1, 2, 1]), tol: 1e-5)
        let sigma = 1.3
        let g = (-4...4).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        assertClose(try x.gaussianBlur(sigma: Float(sigma)).scalars, naiveBlur(x, g), tol: 1e-5)
        let wide = (-6...6).map { exp(-Double($0 * $0) / (2 * 4.0 * 4.0)) }
        assertClose(try x.gaussianBlur(sigma: 4, radius: 6).scalars, naiveBlur(x, wide), tol: 1e-5)
    }

    func testGaussianKernel() throws {
        let k = try Tensor.gaussianKernel(sigma: 1.5)
        XCTAssertEqual(k.count, 2 * 5 + 1)  // ⌈3·1.5⌉ = 5
        XCTAssertEqual(k.reduce(0, +), 1, accuracy: 1e-6)
        for i in 0..<5 { XCTAssertEqual(k[i], k[10 - i]) }
        XCTAssertEqual(k[6] / k[5], exp(-1 / (2 * 1.5 * 1.5)), accuracy: 1e-6)
        XCTAssertEqual(try Tensor.gaussianKernel(sigma: 0.2).count, 3)  // radius at least 1
        XCTAssertEqual(try Tensor.gaussianKernel(sigma: 2, radius: 0), [1])
        XCTAssertThrowsError(try Tensor.gaussianKernel(sigma: 0))
        XCTAssertThrowsError(try Tensor.gaussianKernel(sigma: 1, radius: -1))
        // A huge sigma must not overflow the radius or allocate beyond the image.
        let x = randomTensor([1, 2, 4, 3], seed: 37)
        let flat = try x.gaussianBlur(sigma: 1e30)
        for p in 0..<2 {
            let plane = Array(x.scalars[(p * 12)..<((p + 1) * 12)])
            let mean = plane.reduce(0, +) / 12
            assertClose(Array(flat.scalars[(p * 12)..<((p + 1) * 12)]), [Float](repeating: mean, count: 12), tol: 1e-5)
        }
    }
}
