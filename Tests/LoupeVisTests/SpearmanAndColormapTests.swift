import LoupeReport
import LoupeTensor
import LoupeVis
import XCTest

final class SpearmanTests: XCTestCase {
    func testTiesShareTheirMeanRank() throws {
        // b = [5, 6, 7, 8, 7] ranks as [1, 2, 3.5, 5, 3.5]; a ranks as [1…5].
        // Deviations from the mean rank 3: a (−2, −1, 0, 1, 2), b (−2, −1, 0.5, 2, 0.5):
        // Σab = 4 + 1 + 0 + 2 + 1 = 8, Σa² = 10, Σb² = 9.5 → ρ = 8 / √95.
        let rho = try XCTUnwrap(SanityCheck.spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]))
        XCTAssertEqual(rho, 8 / 95.0.squareRoot(), accuracy: 1e-12)
    }

    func testMonotoneAndReversedAndConstant() throws {
        // Any increasing transform ranks the same: ρ = 1; reversed: −1.
        XCTAssertEqual(try XCTUnwrap(SanityCheck.spearman([1, 4, 9, 16], [0.1, 0.2, 0.3, 10])), 1, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(SanityCheck.spearman([1, 2, 3], [3, 2, 1])), -1, accuracy: 1e-12)
        XCTAssertNil(SanityCheck.spearman([1, 2, 3], [2, 2, 2]))
        XCTAssertNil(SanityCheck.spearman([1, 2], [1, 2, 3]))
    }
}

final class ColormapTests: XCTestCase {
    func bytes(_ c: (Float, Float, Float)) -> [Int] { [c.0, c.1, c.2].map { Int(($0 * 255).rounded()) } }

    func testPublishedEndpoints() {
        // viridis: #440154 → #21908C (middle) → #FDE725; inferno: #000004 → #FCFFA4.
        XCTAssertEqual(bytes(Colormap.viridis.color(0)), [0x44, 0x01, 0x54])
        XCTAssertEqual(bytes(Colormap.viridis.color(0.5)), [0x21, 0x90, 0x8C])
        XCTAssertEqual(bytes(Colormap.viridis.color(1)), [0xFD, 0xE7, 0x25])
        XCTAssertEqual(bytes(Colormap.inferno.color(0)), [0x00, 0x00, 0x04])
        XCTAssertEqual(bytes(Colormap.inferno.color(1)), [0xFC, 0xFF, 0xA4])
        // Out of range and NaN clamp instead of trapping.
        XCTAssertEqual(bytes(Colormap.viridis.color(-3)), [0x44, 0x01, 0x54])
        XCTAssertEqual(bytes(Colormap.viridis.color(.nan)), [0x44, 0x01, 0x54])
    }

    func testSequentialMapsGetBrighter() {
        // Perceptual sequential maps rise monotonically in lightness (Rec. 709 luma here).
        for map in [Colormap.viridis, .inferno] {
            var last: Float = -1
            for i in 0...64 {
                let (r, g, b) = map.color(Float(i) / 64)
                let luma = 0.2126 * r + 0.7152 * g + 0.0722 * b
                XCTAssertGreaterThan(luma, last, "\(map.name) at \(i)/64")
                last = luma
            }
        }
    }

    func testDivergingIsWhiteAtZeroAndSymmetricInLightness() throws {
        let map = Colormap.diverging
        XCTAssertEqual(bytes(map.color(0.5)), [0xF7, 0xF7, 0xF7])
        let image = try map.render([-2, 0, 2], width: 3, height: 1, range: -2...2)
        XCTAssertEqual(image[x: 1, y: 0, c: 0], 0xF7)
        XCTAssertGreaterThan(image[x: 0, y: 0, c: 2], image[x: 0, y: 0, c: 0])   // negative is blue
        XCTAssertGreaterThan(image[x: 2, y: 0, c: 0], image[x: 2, y: 0, c: 2])   // positive is red
    }
}

final class RenderTests: XCTestCase {
    func testReconstructionIsGrayAtZeroAndClipsAboveThePercentile() throws {
        // 1000 values: 0, then ±1…±999 (even i positive, odd negative). The 99.5th
        // percentile of the 999 magnitudes is at sorted index ⌊999·0.995⌋ = 994, the
        // value 995: ±995 map to white/black, larger magnitudes clip, 0 is mid-gray.
        var values = [Float](repeating: 0, count: 1000)
        for i in 1..<1000 { values[i] = i % 2 == 0 ? Float(i) : -Float(i) }
        let image = try Render.reconstruction(try LoupeTensor.Tensor(shape: [1, 1, 1000], scalars: values))
        XCTAssertEqual(image[x: 0, y: 0, c: 0], 128)   // 0.5·255 = 127.5 rounds up
        XCTAssertEqual(image[x: 990, y: 0, c: 0], 254)   // 0.5 + 990/1990 = 0.9975 → 254.4
        XCTAssertEqual(image[x: 998, y: 0, c: 0], 255)   // beyond the percentile: clipped
        XCTAssertEqual(image[x: 999, y: 0, c: 0], 0)
    }
}
