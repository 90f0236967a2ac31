@testable import LoupeData
import XCTest

final class ResizeTests: XCTestCase {
    func testShrinkingAConstantImageKeepsItConstant() throws {
        let image = try Image(width: 37, height: 23, channels: 3, fill: 173)
        for (w, h) in [(10, 7), (1, 1), (36, 22), (5, 23)] {
            let small = try image.resized(width: w, height: h)
            XCTAssertEqual([small.width, small.height, small.channels], [w, h, 3])
            XCTAssertTrue(small.pixels.allSatisfy { $0 == 173 }, "\(w)×\(h)")
        }
        let big = try image.resized(width: 80, height: 51)
        XCTAssertTrue(big.pixels.allSatisfy { $0 == 173 })
    }

    func testAntialiasedHalvingUsesTheWidenedTriangle() throws {
        // Output 0 is centred at input 1.0 with support 2: taps 0, 1, 2 at weights
        // ¾, ¾, ¼ (normalised by 1¾): (0·¾ + 100·¾ + 200·¼) / 1¾ = 71.4.
        // Output 1 at 3.0: taps 1, 2, 3 at ¼, ¾, ¾: (25 + 150 + 30) / 1¾ = 117.1.
        let row = try Image(width: 4, height: 1, channels: 1, pixels: [0, 100, 200, 40])
        XCTAssertEqual(try row.resized(width: 2, height: 1).pixels, [71, 117])
        let column = try Image(width: 1, height: 4, channels: 1, pixels: [0, 100, 200, 40])
        XCTAssertEqual(try column.resized(width: 1, height: 2).pixels, [71, 117])
        // Two pixels into one: both taps weigh ¾.
        XCTAssertEqual(try Image(width: 2, height: 1, channels: 1, pixels: [10, 30]).resized(width: 1, height: 1).pixels, [20])
    }

    func testPlainBilinearSamplesAtPixelCentres() throws {
        // Without antialiasing, halving samples at 0.5 and 2.5: the mean of each pair.
        let row = try Image(width: 4, height: 1, channels: 1, pixels: [0, 100, 200, 40])
        XCTAssertEqual(try row.resized(width: 2, height: 1, antialias: false).pixels, [50, 120])
        // Doubling samples at 0.25, 0.75, 1.25, 1.75 (edges clamp): 0, 25, 75, 100.
        let pair = try Image(width: 2, height: 1, channels: 1, pixels: [0, 100])
        XCTAssertEqual(try pair.resized(width: 4, height: 1).pixels, [0, 25, 75, 100])
    }

    func testChannelsResizeIndependently() throws {
        let image = try Image(width: 2, height: 2, channels: 3,
                              pixels: [10, 0, 255, 30, 0, 255, 10, 0, 255, 30, 0, 255])
        XCTAssertEqual(try image.resized(width: 1, height: 1).pixels, [20, 0, 255])
    }

    func testCenterCrop() throws {
        func ramp(_ w: Int, _ h: Int) throws -> Image {
            try Image(width: w, height: h, channels: 1, pixels: (0..<(w * h)).map { UInt8($0) })
        }
        // 5×3 → columns 1…3.
        XCTAssertEqual(try ramp(5, 3).centerCroppedToSquare().pixels, [1, 2, 3, 6, 7, 8, 11, 12, 13])
        // 6×3: offset round(1.5) = 2 (half to even, like torchvision).
        XCTAssertEqual(try ramp(6, 3).centerCroppedToSquare().pixels, [2, 3, 4, 8, 9, 10, 14, 15, 16])
        // 4×3: offset round(0.5) = 0.
        XCTAssertEqual(try ramp(4, 3).centerCroppedToSquare().pixels, [0, 1, 2, 4, 5, 6, 8, 9, 10])
        // 2×5 (portrait): row offset round(1.5) = 2, so rows 2…3.
        XCTAssertEqual(try ramp(2, 5).centerCroppedToSquare().pixels, [4, 5, 6, 7])
        XCTAssertEqual(try ramp(5, 4).centerCropped(width: 3, height: 2).pixels, [6, 7, 8, 11, 12, 13])
        XCTAssertThrowsError(try ramp(5, 3).centerCropped(width: 6, height: 1))
        XCTAssertThrowsError(try ramp(5, 3).cropped(x: 3, y: 0, width: 3, height: 1))
    }

    func testShorterSideResize() throws {
        let image = try Image(width: 451, height: 300, channels: 3, fill: 9)
        let r = try image.resized(shorterSide: 224)
        XCTAssertEqual([r.width, r.height], [336, 224])  // 224·451/300 = 336.7, truncated
        XCTAssertThrowsError(try image.resized(width: 0, height: 3))
    }
}
