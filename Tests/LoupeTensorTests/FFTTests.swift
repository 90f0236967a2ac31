import Foundation
import LoupeTensor
import LoupeTesting
import XCTest

/// Naive references in Double, written independently of FFTW.
private enum NaiveDFT {
    /// numpy.fft.rfft2 of every h×w plane: [planes·h·(w/2+1)·2] interleaved (re, im).
    static func rfft2(_ x: [Float], planes: Int, h: Int, w: Int) -> [Float] {
        let wc = w / 2 + 1
        var out: [Float] = []
        for p in 0..<planes {
            for k in 0..<h {
                for l in 0..<wc {
                    var re = 0.0, im = 0.0
                    for y in 0..<h {
                        for xx in 0..<w {
                            let theta = 2 * Double.pi * (Double(k * y) / Double(h) + Double(l * xx) / Double(w))
                            let v = Double(x[(p * h + y) * w + xx])
                            re += v * cos(theta)
                            im -= v * sin(theta)
                        }
                    }
                    out += [Float(re), Float(im)]
                }
            }
        }
        return out
    }

    /// numpy.fft.irfft2(z, s=(h, w)) the way numpy computes it: a complex inverse DFT
    /// along H, then a real inverse DFT along W that reads only the real part of the DC
    /// and Nyquist bins and doubles the others.
    static func irfft2(_ z: [Float], planes: Int, h: Int, w: Int) -> [Float] {
        let wc = w / 2 + 1
        var out: [Float] = []
        for p in 0..<planes {
            // Step 1: ifft along H (with 1/h).
            var colRe = [[Double]](repeating: [Double](repeating: 0, count: wc), count: h)
            var colIm = colRe
            for y in 0..<h {
                for l in 0..<wc {
                    var re = 0.0, im = 0.0
                    for k in 0..<h {
                        let i = ((p * h + k) * wc + l) * 2
                        let (a, b) = (Double(z[i]), Double(z[i + 1]))
                        let theta = 2 * Double.pi * Double(k * y) / Double(h)
                        re += a * cos(theta) - b * sin(theta)
                        im += a * sin(theta) + b * cos(theta)
                    }
                    colRe[y][l] = re / Double(h)
                    colIm[y][l] = im / Double(h)
                }
            }
            // Step 2: 1-D irfft along W (with 1/w).
            for y in 0..<h {
                for xx in 0..<w {
                    var v = colRe[y][0]
                    for l in 1..<wc {
                        let theta = 2 * Double.pi * Double(l * xx) / Double(w)
                        if 2 * l == w {
                            v += colRe[y][l] * cos(theta)
                        } else {
                            v += 2 * (colRe[y][l] * cos(theta) - colIm[y][l] * sin(theta))
                        }
                    }
                    out.append(Float(v / Double(w)))
                }
            }
        }
        return out
    }
}

final class FFTTests: XCTestCase {
    func testRfft2MatchesNaiveDFT() throws {
        for shape in [[2, 3, 7, 5], [2, 6, 8], [4, 1], [1, 1], [3, 2, 9]] {
            let x = randomTensor(shape, seed: 41)
            let y = try x.rfft2()
            let (h, w) = (shape[shape.count - 2], shape[shape.count - 1])
            XCTAssertEqual(y.shape, Array(shape.dropLast()) + [w / 2 + 1, 2])
            // FFTW single precision: errors grow like ε·√(HW)·|x|.
            assertClose(y.scalars, NaiveDFT.rfft2(x.scalars, planes: x.count / (h * w), h: h, w: w), tol: 2e-5)
        }
    }

    func testIrfft2MatchesNumpyStyleReference() throws {
        // A random spectrum, not Hermitian in the DC/Nyquist columns: exactly the case where
        // numpy's "ignore the imaginary part" rule decides the answer.
        for (h, w) in [(7, 5), (6, 8), (6, 7), (5, 2), (1, 6), (4, 1)] {
            let z = randomTensor([2, 3, h, w / 2 + 1, 2], seed: UInt64(h * 10 + w))
            let x = try z.irfft2(width: w)
            XCTAssertEqual(x.shape, [2, 3, h, w])
            assertClose(x.scalars, NaiveDFT.irfft2(z.scalars, planes: 6, h: h, w: w), tol: 2e-5)
        }
    }

    func testRoundTripEvenAndOddWidths() throws {
        for shape in [[2, 3, 7, 5], [2, 2, 6, 8], [3, 4, 4], [5, 9]] {
            let x = randomTensor(shape, seed: 42)
            let back = try x.rfft2().irfft2(width: shape.last!)
            assertClose(back.scalars, x.scalars, tol: 2e-5)
        }
    }

    func testParsevalWithHalfSpectrumWeights() throws {
        for (h, w) in [(7, 5), (6, 8)] {
            let x = randomTensor([h, w], seed: 43)
            let energy = x.scalars.reduce(0.0) { $0 + Double($1) * Double($1) }
            let spectrum = try x.rfft2().scalars
            let wc = w / 2 + 1
            var weighted = 0.0
            for k in 0..<h {
                for l in 0..<wc {
                    let (re, im) = (Double(spectrum[(k * wc + l) * 2]), Double(spectrum[(k * wc + l) * 2 + 1]))
                    // DC and (even W) Nyquist appear once in the full spectrum, the rest twice.
                    let count = (l == 0 || 2 * l == w) ? 1.0 : 2.0
                    weighted += count * (re * re + im * im)
                }
            }
            XCTAssertEqual(weighted / Double(h * w), energy, accuracy: 1e-4 * energy)
        }
    }

    func testKnownSpectra() throws {
        let (h, w) = (6, 8)
        let wc = w / 2 + 1
        func bin(_ s: [Float], _ k: Int, _ l: Int) -> (Float, Float) { (s[(k * wc + l) * 2], s[(k * wc + l) * 2 + 1]) }

        // Constant 0.5: everything in DC, 0.5·H·W = 24.
        let constant = try Tensor.full([h, w], 0.5).rfft2().scalars
        for k in 0..<h {
            for l in 0..<wc {
                let (re, im) = bin(constant, k, l)
                XCTAssertEqual(re, k == 0 && l == 0 ? 24 : 0, accuracy: 1e-5)
                XCTAssertEqual(im, 0, accuracy: 1e-5)
            }
        }

        // cos(2π(y/6 + 2x/8)): HW/2 = 24 at (1, 2); its partner (5, 6) is not stored.
        // sin of the same phase: −24i there.
        func wave(_ f: (Double) -> Double) throws -> [Float] {
            var s: [Float] = []
            for y in 0..<h {
                for x in 0..<w { s.append(Float(f(2 * Double.pi * (Double(y) / 6 + 2 * Double(x) / 8)))) }
            }
            return try Tensor(shape: [h, w], scalars: s).rfft2().scalars
        }
        let cosine = try wave(cos), sine = try wave(sin)
        for k in 0..<h {
            for l in 0..<wc {
                let hit = k == 1 && l == 2
                XCTAssertEqual(bin(cosine, k, l).0, hit ? 24 : 0, accuracy: 1e-4)
                XCTAssertEqual(bin(cosine, k, l).1, 0, accuracy: 1e-4)
                XCTAssertEqual(bin(sine, k, l).0, 0, accuracy: 1e-4)
                XCTAssertEqual(bin(sine, k, l).1, hit ? -24 : 0, accuracy: 1e-4)
            }
        }
    }

    func testIrfft2IgnoresSelfConjugateImaginaryParts() throws {
        // Z[0, 0] = H·W + 5i → constant 1: the imaginary part of DC is dropped.
        var s = [Float](repeating: 0, count: 6 * 5 * 2)
        s[0] = 48
        s[1] = 5
        s[(0 * 5 + 4) * 2 + 1] = 7  // imaginary Nyquist at k = 0: also dropped
        s[(3 * 5 + 4) * 2 + 1] = -2  // and at k = H/2
        let x = try Tensor(shape: [6, 5, 2], scalars: s).irfft2(width: 8)
        assertClose(x.scalars, [Float](repeating: 1, count: 48), tol: 1e-6)
    }

    func testShapeErrors() {
        let z = randomTensor([2, 6, 5, 2], seed: 44)
        XCTAssertThrowsError(try z.irfft2(width: 10))  // needs 6 columns
        XCTAssertThrowsError(try z.irfft2(width: 0))
        XCTAssertThrowsError(try randomTensor([6, 5, 3], seed: 45).irfft2(width: 8))  // last axis not 2
        XCTAssertThrowsError(try randomTensor([5, 2], seed: 46).irfft2(width: 8))  // no H axis
        XCTAssertThrowsError(try randomTensor([5], seed: 47).rfft2())
        XCTAssertNoThrow(try z.irfft2(width: 9))
    }

    func testConcurrentCallsOnNewShapes() throws {
        // Plans for fresh shapes get created from many threads at once; the cache must
        // serialize planning and every result must still be right.
        let sizes = (0..<12).map { (3 + $0 % 5, 4 + $0) }
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: sizes.count)
        results.initialize(repeating: false)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: sizes.count) { i in
            let (h, w) = sizes[i]
            let x = randomTensor([2, h, w + 17], seed: UInt64(i))
            guard let back = try? x.rfft2().irfft2(width: w + 17) else { return }
            results[i] = zip(back.scalars, x.scalars).allSatisfy { abs($0 - $1) < 1e-4 }
        }
        XCTAssertEqual(Array(results), [Bool](repeating: true, count: sizes.count))
    }

    // MARK: gradients

    func testRfft2Gradient() throws {
        try checkGradients([randomTensor([2, 3, 7, 5], seed: 51)], samples: 80) { try $0[0].rfft2() }
        try checkGradients([randomTensor([2, 2, 6, 8], seed: 52)], samples: 80) { try $0[0].rfft2() }
        try checkGradients([randomTensor([2, 1, 6, 7], seed: 53)], samples: 80) { try $0[0].rfft2() }
    }

    func testIrfft2Gradient() throws {
        // Sample every element so the ignored imaginary parts (zero gradient) and the
        // conjugate pairs of the DC/Nyquist columns are all checked.
        for (h, w) in [(7, 5), (6, 8), (6, 7), (5, 2)] {
            let z = randomTensor([2, 3, h, w / 2 + 1, 2], seed: UInt64(60 + h * w))
            try checkGradients([z], samples: 10_000) { try $0[0].irfft2(width: w) }
        }
    }

    func testFourierParameterizationChainGradient() throws {
        // The Lucid pattern: image = irfft2(scale · spectrum), then something nonlinear.
        let spectrum = randomTensor([2, 3, 6, 5, 2], seed: 70, scale: 0.5)
        let scale = randomTensor([6, 5, 1], seed: 71).abs() + 0.5
        try checkGradients([spectrum], samples: 80) { xs in
            try (xs[0] * scale).irfft2(width: 8).blur3x3().rfft2().sigmoid()
        }
    }
}
