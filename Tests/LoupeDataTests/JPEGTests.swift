import Foundation
@testable import LoupeData
import XCTest

/// Tiny JPEGs written with libjpeg at quality 100, 4:4:4 (see each test for content).
enum TinyJPEG {
    /// 16×8 RGB: left 8×8 block (200, 30, 60), right block (20, 120, 240).
    static let rgb = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/2wBDAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAARCAAIABADAREAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwD8n6/Dz/qYPqCv+tg/84c//9k="
    /// 8×16 grayscale: top 8 rows 40, bottom 8 rows 210.
    static let gray = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAAQAAgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AP5P6/1UK//Z"
    /// 8×8 Adobe CMYK, stored inverted (255 = no ink): (255, 0, 255, 255) everywhere = magenta.
    static let cmyk = "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwABAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB/8AAFAgACAAIBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD+/iv8/wDr+/iv7+K//9k="

    static func bytes(_ base64: String) -> [UInt8] { [UInt8](Data(base64Encoded: base64) ?? Data()) }
}

final class JPEGTests: XCTestCase {
    /// Checks every pixel against a per-pixel expectation, within JPEG's rounding.
    private func assertPixels(_ image: Image, tolerance: Int = 3, line: UInt = #line,
                              _ expected: (Int, Int) -> [UInt8]) {
        for y in 0..<image.height {
            for x in 0..<image.width {
                let want = expected(x, y)
                for c in 0..<image.channels where abs(Int(image[x: x, y: y, c: c]) - Int(want[c])) > tolerance {
                    XCTFail("pixel (\(x), \(y)) channel \(c): \(image[x: x, y: y, c: c]) vs \(want[c])", line: line)
                    return
                }
            }
        }
    }

    func testDecodesRGB() throws {
        let image = try Image.decode(TinyJPEG.bytes(TinyJPEG.rgb))
        XCTAssertEqual([image.width, image.height, image.channels], [16, 8, 3])
        assertPixels(image) { x, _ in x < 8 ? [200, 30, 60] : [20, 120, 240] }
    }

    func testDecodesGrayAsOneChannel() throws {
        let image = try Image.decode(TinyJPEG.bytes(TinyJPEG.gray))
        XCTAssertEqual([image.width, image.height, image.channels], [8, 16, 1])
        assertPixels(image) { _, y in [y < 8 ? 40 : 210] }
    }

    func testDecodesAdobeCMYKToRGB() throws {
        let image = try Image.decode(TinyJPEG.bytes(TinyJPEG.cmyk))
        XCTAssertEqual([image.width, image.height, image.channels], [8, 8, 3])
        assertPixels(image) { _, _ in [255, 0, 255] }
    }

    func testTruncatedAndCorruptJPEGAreErrorsAndTheProcessGoesOn() throws {
        let good = TinyJPEG.bytes(TinyJPEG.rgb)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var garbage = Array(good.prefix(3))
        garbage += (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let cases: [(String, [UInt8])] = [
            ("cut.jpg", Array(good.prefix(good.count - 40))),
            ("header-only.jpg", Array(good.prefix(20))),
            ("garbage.jpg", garbage),
        ]
        for (name, bytes) in cases {
            let path = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Image.load(path: path), name) { error in
                guard case .corrupt(let p, let reason)? = error as? ImageError else {
                    return XCTFail("\(name): unexpected \(error)")
                }
                XCTAssertEqual(p, path)
                XCTAssertTrue(reason.hasPrefix("JPEG"), reason)
            }
        }
        // Still alive, and the decoder still works after the failures.
        XCTAssertEqual(try Image.decode(good).width, 16)
    }

    func testRealPhotoDecodes() throws {
        let path = photoPath("rocket.jpg")
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) absent: run `make assets`")
        }
        let image = try Image.load(path: path)
        XCTAssertEqual([image.width, image.height, image.channels], [640, 427, 3])
        XCTAssertGreaterThan(Set(image.pixels).count, 200)
    }
}
