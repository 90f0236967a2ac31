import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor
import LoupeVis
import XCTest

/// Each map's raw values beside its PNG, as a `.npy` file that result.json describes.
final class RawExportTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-raw-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// A 4×4 gray PNG on disk, for `Attribution.run`: bright enough that the diagonal
    /// filter of `convGAPLinear` (bias −2.5) fires and no map is all zeros.
    func photo() throws -> String {
        let pixels: [UInt8] = [255, 250, 240, 255, 230, 255, 255, 245, 255, 235, 255, 250, 220, 255, 245, 255]
        let url = scratch.appendingPathComponent("x.png")
        try Data(try Image(width: 4, height: 4, channels: 1, pixels: pixels).pngData()).write(to: url)
        return url.path
    }

    /// NumPy's format read by hand: magic, version 1.0, little-endian header length, the
    /// header dictionary, float32 data from a 64-byte boundary.
    func readNPY(_ url: URL) throws -> (header: String, values: [Float]) {
        let bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertEqual(Array(bytes[0..<8]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + length) % 64, 0, "data starts on a 64-byte boundary")
        let header = try XCTUnwrap(String(bytes: bytes[10..<(10 + length)], encoding: .ascii))
        XCTAssertTrue(header.hasSuffix("\n"))
        let data = bytes[(10 + length)...]
        XCTAssertEqual(data.count % 4, 0)
        let values = stride(from: data.startIndex, to: data.endIndex, by: 4).map { i in
            Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        }
        return (header, values)
    }

    func testEveryMapIsWrittenAsNPYAndDescribedInResultJSON() throws {
        let model = try TinyNetworks.convGAPLinear()
        var settings = AttributionSettings()
        settings.methods = ["cam", "saliency", "ig"]
        settings.target = "0"
        settings.steps = 4
        let attribution = try Attribution.run(image: try photo(), model: model, settings: settings)
        let out = scratch.appendingPathComponent("run")
        let folder = try RunFolder(command: "attribute", out: out.path)
        try AttributionReport.write(attribution, to: folder, command: "loupe attribute x.png")
        try folder.finish()

        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any])
        XCTAssertEqual((json["settings"] as? [String: Any])?["integration"] as? String, "adaptive")
        let entries = try XCTUnwrap(json["attributions"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 3)
        for (entry, map) in zip(entries, attribution.maps) {
            let raw = try XCTUnwrap(entry["raw"] as? [String: Any])
            XCTAssertEqual(Set(raw.keys), ["file", "shape", "dtype", "units", "png_scale"])
            XCTAssertEqual(raw["shape"] as? [Int], [4, 4])
            XCTAssertEqual(raw["dtype"] as? String, "float32")
            let method = try XCTUnwrap(AttributionRegistry.standard.method(named: map.method))
            XCTAssertEqual(raw["units"] as? String, method.units)
            let file = try XCTUnwrap(raw["file"] as? String)
            XCTAssertEqual(file, out.appendingPathComponent("\(map.method).npy").path, "beside the PNG, in the final folder")
            let (header, values) = try readNPY(URL(fileURLWithPath: file))
            XCTAssertTrue(header.contains("'descr': '<f4'") && header.contains("'fortran_order': False")
                          && header.contains("'shape': (4, 4)"), header)
            XCTAssertEqual(values, map.values, "\(map.method): the file holds the map bit for bit")

            // The PNG's scale: symmetric for signed maps, from min(0, smallest) otherwise,
            // its top the 99.5th percentile of the magnitudes, here the 16th of 16 values.
            let scale = try XCTUnwrap(raw["png_scale"] as? [String: Any])
            let (low, high) = (try XCTUnwrap(scale["low"] as? Double), try XCTUnwrap(scale["high"] as? Double))
            if map.signed {
                XCTAssertEqual(low, -high)
                XCTAssertEqual(scale["colormap"] as? String, Colormap.diverging.name)
            } else {
                XCTAssertEqual(Float(low), Swift.min(0, map.values.min() ?? 0))
            }
            let top = try XCTUnwrap(map.values.map { map.signed ? Swift.abs($0) : $0 }.filter { $0 > 0 }.max(), "\(map.method) is all zeros")
            XCTAssertEqual(Float(high), top)
        }
    }

    func testNPYOfOneAxisAndShapeErrors() throws {
        let data = try NPY.encode([1, -2.5, 3], shape: [3])
        let url = scratch.appendingPathComponent("v.npy")
        try data.write(to: url)
        let (header, values) = try readNPY(url)
        XCTAssertTrue(header.contains("'shape': (3,)"), header)
        XCTAssertEqual(values, [1, -2.5, 3])
        XCTAssertThrowsError(try NPY.encode([1, 2], shape: [3]))
        XCTAssertThrowsError(try NPY.encode([1, 2], shape: [Int.max, 2]))
    }
}
