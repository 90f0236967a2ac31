import LoupeData
import LoupeNN
import XCTest

/// PNGs with alpha now decode to RGBA; a model must still get what it got when the
/// decoder flattened them onto white itself.
final class TransparentInputTests: XCTestCase {
    func testRGBAFilesReachModelsFlattenedOntoWhite() throws {
        let (w, h) = (10, 7)
        var rgba: [UInt8] = [], flat: [UInt8] = []
        for p in 0..<(w * h) {
            let color = [UInt8((p * 37) % 256), UInt8((p * 91 + 13) % 256), UInt8((p * 53 + 200) % 256)]
            let a = [0, 255, 1, 128, 254, 77][p % 6]
            rgba += color + [UInt8(a)]
            // Over white, rounded: (c·a + 255·(255 − a) + 127) / 255, the old decoder's formula.
            flat += color.map { UInt8((Int($0) * a + 255 * (255 - a) + 127) / 255) }
        }
        let decoded = try Image.decode(try Image(width: w, height: h, channels: 4, pixels: rgba).pngData())
        XCTAssertEqual(decoded.channels, 4)
        let opaque = try Image(width: w, height: h, channels: 3, pixels: flat)
        for model in [try Zoo.architecture("fashion-cnn", seed: 1), try Zoo.architecture("efficientnet-lite0")] {
            let input = try model.input(from: decoded)
            XCTAssertEqual(input.shape, [1, model.preset.channels, model.preset.inputSize, model.preset.inputSize])
            XCTAssertEqual(input.scalars, try model.input(from: opaque).scalars, model.name)
        }
    }
}
