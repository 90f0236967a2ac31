import Foundation
@testable import LoupeData
import XCTest

final class PNGTests: XCTestCase {
    func testRGBRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        let pixels = (0..<(7 * 5 * 3)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let image = try Image(width: 7, height: 5, channels: 3, pixels: pixels)
        let decoded = try Image.decode(try image.pngData())
        XCTAssertEqual(decoded, image)
    }

    func testGrayRoundTripThroughAFile() throws {
        let pixels: [UInt8] = [0, 1, 2, 127, 128, 200, 254, 255, 17, 99, 3, 250]
        let image = try Image(width: 4, height: 3, channels: 1, pixels: pixels)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("gray.png").path
        try image.savePNG(path: path)
        XCTAssertEqual(try Image.load(path: path), image)
    }

    func testSixteenBitSamplesAreScaledTo8BitsWithRounding() throws {
        // v·255/65535 rounded; 0x12F0 = 4848 → 18.86 → 19, where dropping the low byte gives 18.
        let samples = [0x0000, 0xFFFF, 0x8080, 0x12F0]
        let png = PNGBuilder.make(width: 4, height: 1, bitDepth: 16, colorType: .gray,
                                  rows: [samples.flatMap(PNGBuilder.be16)])
        let image = try Image.decode(png)
        XCTAssertEqual(image.channels, 1)
        XCTAssertEqual(image.pixels, [0, 255, 128, 19])

        let rgb16 = PNGBuilder.make(width: 1, height: 1, bitDepth: 16, colorType: .rgb,
                                    rows: [[0xFFFF, 0x0000, 0x8080].flatMap(PNGBuilder.be16)])
        XCTAssertEqual(try Image.decode(rgb16).pixels, [255, 0, 128])
    }

    func testPaletteWithTransparencyIsCompositedOnWhite() throws {
        let palette: [UInt8] = [10, 20, 30, 100, 100, 100, 200, 0, 50]
        let trns: [UInt8] = [255, 0, 51]  // opaque, transparent, 20 % opaque
        let png = PNGBuilder.make(width: 3, height: 2, bitDepth: 8, colorType: .palette,
                                  rows: [[0, 1, 2], [2, 1, 0]],
                                  extraChunks: [("PLTE", palette), ("tRNS", trns)])
        let image = try Image.decode(png)
        XCTAssertEqual(image.channels, 3)
        // 20 % of c plus 80 % of white: 100 → 20 + 204 = 224, 200 → 244, 0 → 204, 50 → 214.
        let opaque: [UInt8] = [10, 20, 30], clear: [UInt8] = [255, 255, 255], faint: [UInt8] = [244, 204, 214]
        XCTAssertEqual(image.pixels, opaque + clear + faint + faint + clear + opaque)
    }

    func testPaletteWithoutTransparencyAtFourBits() throws {
        let palette: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        // Two pixels per byte, high nibble first: indices 2, 0, 1, (pad).
        let png = PNGBuilder.make(width: 3, height: 1, bitDepth: 4, colorType: .palette,
                                  rows: [[0x20, 0x10]], extraChunks: [("PLTE", palette)])
        XCTAssertEqual(try Image.decode(png).pixels, [7, 8, 9, 1, 2, 3, 4, 5, 6])
    }

    func testGrayAlphaAndRGBA() throws {
        let ga = PNGBuilder.make(width: 3, height: 1, bitDepth: 8, colorType: .grayAlpha,
                                 rows: [[100, 255, 100, 0, 100, 51]])
        let gray = try Image.decode(ga)
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(gray.pixels, [100, 255, 224])

        let rgba = PNGBuilder.make(width: 2, height: 1, bitDepth: 8, colorType: .rgba,
                                   rows: [[1, 2, 3, 255, 100, 0, 200, 51]])
        let rgb = try Image.decode(rgba)
        XCTAssertEqual(rgb.channels, 3)
        XCTAssertEqual(rgb.pixels, [1, 2, 3, 224, 204, 244])
    }

    func testTruncatedAndCorruptFilesNameTheFile() throws {
        let image = try Image(width: 16, height: 16, channels: 3, fill: 90)
        let good = try image.pngData()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }

        func expectError(_ bytes: [UInt8], _ file: String, line: UInt = #line) {
            let path = dir.appendingPathComponent(file).path
            XCTAssertNoThrow(try Data(bytes).write(to: URL(fileURLWithPath: path)), line: line)
            XCTAssertThrowsError(try Image.load(path: path), line: line) { error in
                XCTAssertTrue("\(error)".contains(path), "\(error) does not name \(path)", line: line)
            }
        }
        expectError(Array(good.prefix(good.count / 2)), "half.png")
        expectError(Array(good.prefix(5)), "signature-only.png")
        var flipped = good
        flipped[40] ^= 0xFF  // inside IDAT: the chunk CRC no longer matches
        expectError(flipped, "flipped.png")
        expectError([], "empty.png")
        expectError(Array("GIF89a....".utf8), "really-a-gif.png")
        expectError(Array("hello world".utf8), "text.png")

        let missing = dir.appendingPathComponent("missing.png").path
        XCTAssertThrowsError(try Image.load(path: missing)) { error in
            XCTAssertEqual(error as? ImageError, .fileNotFound(path: missing))
        }
    }

    func testFormatIsChosenByContentNotExtension() throws {
        let image = try Image(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("misnamed.jpg").path
        try image.savePNG(path: path)
        XCTAssertEqual(try Image.load(path: path), image)
    }

    func testRealPhotoDecodes() throws {
        let path = photoPath("chelsea.png")
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) absent: run `make assets`")
        }
        let image = try Image.load(path: path)
        XCTAssertEqual([image.width, image.height, image.channels], [451, 300, 3])
        XCTAssertGreaterThan(Set(image.pixels).count, 200)  // a photo, not a flat fill
    }
}
