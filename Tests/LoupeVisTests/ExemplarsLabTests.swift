import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor
@testable import LoupeVis
import XCTest

final class ExemplarsLabTests: XCTestCase {
    /// Four 2×2 images, each black but for one bright pixel, through a 1×1 conv of weight 1:
    /// the channel's peak is that pixel, so the ranking and units are known in advance.
    private func spots() throws -> (Model, ExemplarSource) {
        let spots: [(value: UInt8, x: Int, y: Int)] = [(40, 0, 0), (200, 1, 0), (90, 1, 1), (250, 0, 1)]
        var pixels = [UInt8](repeating: 0, count: spots.count * 4)
        for (i, s) in spots.enumerated() { pixels[i * 4 + s.y * 2 + s.x] = s.value }
        let data = try LabeledImages(pixels: pixels, labels: [0, 0, 0, 0], channels: 1, height: 2, width: 2,
                                     classes: ["spot"], source: "spots")
        let conv = try Conv2d(1, 1, kernel: 1, bias: false)
        conv.weight.value = try Tensor(shape: [1, 1, 1, 1], scalars: [1])
        let model = Model(name: "identity", network: Sequential([conv]), preset: TinyNetworks.preset(side: 2))
        return (model, .labeled(data, name: "spots"))
    }

    func testSettingsRoundTripAndValidate() throws {
        var s = ExemplarsSettings()
        (s.layer, s.channel, s.data, s.k, s.limit, s.rule, s.batchSize) = ("blocks.6", 12, "photos", 4, 100, .guided, 8)
        XCTAssertEqual(try ResultJSON.decode(ExemplarsSettings.self, from: try ResultJSON.encode(s)), s)
        XCTAssertNoThrow(try s.validate())
        XCTAssertEqual(s.defaultModel, "efficientnet-lite0")
        s.data = "fashion-mnist:train"
        XCTAssertEqual(s.defaultModel, "fashion-cnn")
        for bad in [{ $0.k = 0 }, { $0.limit = 0 }, { $0.batchSize = 0 }, { $0.channel = -1 }, { $0.layer = "" },
                    { $0.data = "" }] as [(inout ExemplarsSettings) -> Void] {
            var wrong = s
            bad(&wrong)
            XCTAssertThrowsError(try wrong.validate())
        }
    }

    func testResultRoundTripsAndWritesNullsForMissingFields() throws {
        let entry = ExemplarsResult.Entry(
            rank: 1, index: 7, caption: "#7 Bag", activation: 0.5, unit: nil, crop: .init(x: 0, y: 0, side: 28),
            receptiveField: nil, image: "top-01-image.png", reconstruction: "top-01-guided.png", pair: "top-01.png")
        let result = ExemplarsResult(
            command: "loupe exemplars", model: "fashion-cnn", layer: "7", channel: 2, data: "fashion-mnist:test", scanned: 50,
            k: 1, rule: .guided, exemplars: [entry],
            maps: [MapRecord(method: "guided", image: "top-01-guided.png", target: nil, layer: "7", channel: 2)], sanity: nil)
        let data = try ResultJSON.encode(result)
        XCTAssertEqual(try ResultJSON.decode(ExemplarsResult.self, from: data), result)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertTrue(json["sanity"] is NSNull)
        let first = try XCTUnwrap((json["exemplars"] as? [[String: Any]])?.first)
        XCTAssertTrue(first["unit"] is NSNull && first["receptive_field"] is NSNull)
    }

    /// The run folder's result.json has the keys scripts read, nested as listed here.
    func testReportWritesTheDocumentedKeys() throws {
        let (model, source) = try spots()
        var settings = ExemplarsSettings()
        (settings.layer, settings.channel, settings.data, settings.k, settings.batchSize) = ("0", 0, "spots", 2, 3)
        let lab = try ExemplarsLab.run(model: model, settings: settings, source: source)
        // 250 at (0, 1) in image 3, then 200 at (1, 0) in image 1.
        XCTAssertEqual(lab.result.exemplars.map(\.index), [3, 1])
        XCTAssertEqual(lab.result.exemplars.map(\.rank), [1, 2])
        XCTAssertEqual(lab.result.exemplars.map(\.unit), [PixelPoint(x: 0, y: 1), PixelPoint(x: 1, y: 0)])
        XCTAssertEqual(lab.result.exemplars[0].activation, 250.0 / 255, accuracy: 1e-6)
        XCTAssertEqual(lab.result.exemplars.map(\.receptiveField), [ReceptiveField.Extent(size: 1, jump: 1), .init(size: 1, jump: 1)])
        XCTAssertEqual(lab.result.scanned, 4)

        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-exemplars-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let folder = try RunFolder(command: "exemplars", out: out.path)
        let line = try ExemplarsReport.write(lab, to: folder, command: "loupe exemplars")
        try folder.finish()
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["command", "model", "layer", "channel", "data", "scanned", "k", "rule", "exemplars", "maps", "sanity"])
        XCTAssertEqual(json["rule"] as? String, "deconvnet")
        XCTAssertTrue(json["sanity"] is NSNull)
        let entries = try XCTUnwrap(json["exemplars"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 2)
        for entry in entries {
            XCTAssertEqual(Set(entry.keys), ["rank", "index", "caption", "activation", "unit", "crop", "receptive_field",
                                             "image", "reconstruction", "pair"])
            XCTAssertEqual(Set(try XCTUnwrap(entry["unit"] as? [String: Any]).keys), ["x", "y"])
            XCTAssertEqual(Set(try XCTUnwrap(entry["crop"] as? [String: Any]).keys), ["x", "y", "side"])
            XCTAssertEqual(Set(try XCTUnwrap(entry["receptive_field"] as? [String: Any]).keys), ["size", "jump"])
            for key in ["image", "reconstruction", "pair"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(entry[key] as? String)), key)
            }
        }
        XCTAssertEqual(entries.first?["reconstruction"] as? String, out.appendingPathComponent("top-01-deconvnet.png").path)
        let maps = try XCTUnwrap(json["maps"] as? [[String: Any]])
        XCTAssertEqual(maps.map { Set($0.keys) }, Array(repeating: ["method", "image", "target", "layer", "channel"], count: 2))
        XCTAssertEqual(line.maps.map(\.image), entries.compactMap { $0["reconstruction"] as? String })
        for name in ["index.html", "patches.png", "reconstructions.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
    }
}
