import Foundation
@testable import LoupeData
import LoupeTensor
import XCTest

final class PreprocessTests: XCTestCase {
    func testEfficientNetLiteNormalizationIsExact() throws {
        let image = try Image(width: 3, height: 1, channels: 1, pixels: [0, 127, 255])
        let t = try image.tensor(normalization: .efficientNetLite)
        XCTAssertEqual(t.shape, [1, 1, 1, 3])
        XCTAssertEqual(t.scalars, [-127.0 / 128.0, 0, 1])
    }

    func testLayoutIsNCHW() throws {
        let image = try Image(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
        let t = try image.tensor()
        XCTAssertEqual(t.shape, [1, 3, 1, 2])
        XCTAssertEqual(t.scalars, [1, 4, 2, 5, 3, 6].map { Float($0) / 255 })
    }

    func testImageNetConstantsInTorchvisionForm() throws {
        let image = try Image(width: 1, height: 1, channels: 3, pixels: [255, 0, 128])
        let t = try image.tensor(normalization: .imageNet)
        let expected: [Float] = [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (128.0 / 255 - 0.406) / 0.225]
        for (a, b) in zip(t.scalars, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let custom = try Normalization(unitMean: [0.485, 0.456, 0.406], unitStd: [0.229, 0.224, 0.225])
        for (a, b) in zip(try image.tensor(normalization: custom).scalars, expected) {
            XCTAssertEqual(a, b, accuracy: 1e-5)
        }
    }

    func testTensorBackToImageRoundTripsAndClamps() throws {
        let image = try Image(width: 3, height: 2, channels: 3, pixels: (0..<18).map { UInt8($0 * 14) })
        for n in [Normalization.unit, .imageNet, .efficientNetLite] {
            XCTAssertEqual(try Image(tensor: try image.tensor(normalization: n), normalization: n), image)
        }
        let wild = try Tensor(shape: [1, 1, 3], scalars: [-5, 2, .nan])
        XCTAssertEqual(try Image(tensor: wild).pixels, [0, 255, 0])
        XCTAssertThrowsError(try Image(tensor: try Tensor.zeros([2, 3, 4, 4])))
        XCTAssertThrowsError(try Image(tensor: try Tensor.zeros([1, 2, 4, 4])))  // 2 channels
    }

    func testBatching() throws {
        let a = try Image(width: 2, height: 2, channels: 1, fill: 255)
        let b = try Image(width: 2, height: 2, channels: 1, fill: 0)
        let batch = try Image.batch([a, b])
        XCTAssertEqual(batch.shape, [2, 1, 2, 2])
        XCTAssertEqual(batch.scalars, [1, 1, 1, 1, 0, 0, 0, 0])
        XCTAssertEqual(try Image.images(from: batch), [a, b])
        let c = try Image(width: 3, height: 2, channels: 1, fill: 0)
        XCTAssertThrowsError(try Image.batch([a, c])) { error in
            XCTAssertTrue("\(error)".contains("image 1 is 3×2×1"), "\(error)")
        }
        XCTAssertThrowsError(try Image.batch([]))
        XCTAssertThrowsError(try a.tensor(normalization: .imageNet))  // 3 channel constants, gray image
    }

    func testNormalizationRejectsZeroStd() {
        XCTAssertThrowsError(try Normalization(mean: [0], std: [0]))
        XCTAssertThrowsError(try Normalization(mean: [0, 1], std: [1]))
    }
}

final class PhotoPipelineTests: XCTestCase {
    /// The EfficientNet-Lite input path on a real photo: square crop, resize, normalize.
    func testPhotoToModelInput() throws {
        let path = photoPath("hubble_deep_field.jpg")
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) absent: run `make assets`")
        }
        let image = try Image.load(path: path)
        let square = image.centerCroppedToSquare()
        XCTAssertEqual([square.width, square.height], [872, 872])
        let input = try square.resized(width: 224, height: 224).tensor(normalization: .efficientNetLite)
        XCTAssertEqual(input.shape, [1, 3, 224, 224])
        let values = input.scalars
        XCTAssertGreaterThanOrEqual(values.min() ?? -2, -127.0 / 128.0)
        XCTAssertLessThanOrEqual(values.max() ?? 2, 1)
        // Antialiasing keeps the mean brightness: compare with the full-resolution crop.
        let meanIn = square.pixels.reduce(0.0) { $0 + Double($1) } / Double(square.pixels.count)
        let small = try square.resized(width: 224, height: 224)
        let meanOut = small.pixels.reduce(0.0) { $0 + Double($1) } / Double(small.pixels.count)
        XCTAssertEqual(meanOut, meanIn, accuracy: 0.5)
    }
}
