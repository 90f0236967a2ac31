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

    func testPaletteWithTransparencyKeepsAlphaAndFlattensOntoWhite() throws {
        let palette: [UInt8] = [10, 20, 30, 100, 100, 100, 200, 0, 50]
        let trns: [UInt8] = [255, 0, 51]  // opaque, transparent, 20 % opaque
        let png = PNGBuilder.make(width: 3, height: 2, bitDepth: 8, colorType: .palette,
                                  rows: [[0, 1, 2], [2, 1, 0]],
                                  extraChunks: [("PLTE", palette), ("tRNS", trns)])
        let image = try Image.decode(png)
        XCTAssertEqual(image.channels, 4)
        let p0: [UInt8] = [10, 20, 30, 255], p1: [UInt8] = [100, 100, 100, 0], p2: [UInt8] = [200, 0, 50, 51]
        XCTAssertEqual(image.pixels, p0 + p1 + p2 + p2 + p1 + p0)
        // 20 % of c plus 80 % of white: 100 → 20 + 204 = 224, 200 → 244, 0 → 204, 50 → 214.
        let opaque: [UInt8] = [10, 20, 30], clear: [UInt8] = [255, 255, 255], faint: [UInt8] = [244, 204, 214]
        XCTAssertEqual(image.rgb().pixels, opaque + clear + faint + faint + clear + opaque)
        XCTAssertEqual(image.withoutAlpha(), image.rgb())
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
        let grayAlpha = try Image.decode(ga)
        XCTAssertEqual(grayAlpha.channels, 4)
        XCTAssertEqual(grayAlpha.pixels, [100, 100, 100, 255, 100, 100, 100, 0, 100, 100, 100, 51])
        XCTAssertEqual(grayAlpha.gray().pixels, [100, 255, 224])
        XCTAssertEqual(try grayAlpha.converted(toChannels: 1).pixels, [100, 255, 224])

        let rgba = PNGBuilder.make(width: 2, height: 1, bitDepth: 8, colorType: .rgba,
                                   rows: [[1, 2, 3, 255, 100, 0, 200, 51]])
        let image = try Image.decode(rgba)
        XCTAssertEqual(image.channels, 4)
        XCTAssertEqual(image.pixels, [1, 2, 3, 255, 100, 0, 200, 51])
        XCTAssertEqual(image.rgb().pixels, [1, 2, 3, 224, 204, 244])
        // Luma of the composite: (224·299 + 204·587 + 244·114 + 500) / 1000 = 215.
        XCTAssertEqual(image.gray().pixels, [2, 215])
        // Over black instead: 20 % of the colour, 100 → 20, 200 → 40.
        XCTAssertEqual(image.withoutAlpha(background: 0).pixels, [1, 2, 3, 20, 0, 40])
    }

    func testRGBARoundTripIsBitExactAndWritesColourType6() throws {
        var rng = SystemRandomNumberGenerator()
        var pixels = (0..<(9 * 4 * 4)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        // Colours under fully transparent and fully opaque pixels must survive too.
        pixels[3] = 0; pixels[7] = 255; pixels[0] = 77
        let image = try Image(width: 9, height: 4, channels: 4, pixels: pixels)
        let png = try image.pngData()
        // IHDR: 8 signature + 4 length + 4 "IHDR" + 4 width + 4 height, then bit depth, colour type.
        XCTAssertEqual(png[24], 8)
        XCTAssertEqual(png[25], 6)
        XCTAssertEqual(try Image.decode(png), image)

        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("rgba.png").path
        try image.savePNG(path: path)
        XCTAssertEqual(try Image.load(path: path), image)
        XCTAssertEqual(try Image(width: 2, height: 2, channels: 3, fill: 9).pngData()[25], 2)
    }

    func testImageLayoutsAndNearestScaling() throws {
        XCTAssertNoThrow(try Image(width: 1, height: 1, channels: 4, fill: 1))
        XCTAssertThrowsError(try Image(width: 1, height: 1, channels: 2, fill: 1))
        XCTAssertThrowsError(try Image(width: 1, height: 1, channels: 4, fill: 1).converted(toChannels: 4))
        let image = try Image(width: 2, height: 1, channels: 4, pixels: [1, 2, 3, 4, 5, 6, 7, 8])
        let big = try image.scaledNearest(by: 2)
        XCTAssertEqual(big.width, 4)
        XCTAssertEqual(big.height, 2)
        let row: [UInt8] = [1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8]
        XCTAssertEqual(big.pixels, row + row)
        XCTAssertThrowsError(try image.scaledNearest(by: 0))
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
