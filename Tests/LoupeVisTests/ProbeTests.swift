import Foundation
import LoupeData
import LoupeNN
import LoupeTensor
@testable import LoupeVis
import XCTest

/// Probes on a planted network: the label is pixel 0's brightness; tap "0" (the flattened
/// image) holds it, tap "1" (pixels 5 and 10 only) does not. A probe must read the first and
/// score chance on the second, and the control task must score chance everywhere.
final class ProbeTests: XCTestCase {
    static func plantedModel() throws -> Model {
        let pick = try Linear(16, 2)
        var w = [Float](repeating: 0, count: 32)
        (w[5], w[16 + 10]) = (1, 1)
        pick.weight.value = try Tensor(shape: [2, 16], scalars: w)
        pick.bias?.value = Tensor([0, 0])
        let head = try Linear(2, 2)
        return Model(name: "planted", network: Sequential([Flatten(), pick, head]), preset: TinyNetworks.preset(side: 4, classes: 2))
    }

    /// root/train and root/test, one folder per class, each image's pixel 0 dark (class 0)
    /// or bright (class 1) and the other pixels noise.
    static func writeData(to root: URL, train: Int, test: Int) throws {
        let stream = RandomStream(seed: 7)
        var counter: UInt64 = 0
        for (split, n) in [("train", train), ("test", test)] {
            for i in 0..<n {
                let label = i % 2
                var pixels = (0..<16).map { _ -> UInt8 in counter += 1; return UInt8(stream.uniform(at: counter) * 255) }
                pixels[0] = label == 1 ? 230 : 25
                let folder = root.appendingPathComponent(split).appendingPathComponent("class \(label)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let image = try Image(width: 4, height: 4, channels: 1, pixels: pixels)
                try Data(try image.pngData()).write(to: folder.appendingPathComponent(String(format: "%04d.png", i)))
            }
        }
    }

    func testProbeReadsAPlantedFeatureAndNotAnAbsentOne() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-probe-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.writeData(to: root, train: 300, test: 200)
        var settings = ProbeSettings()
        (settings.data, settings.layers, settings.features, settings.limit, settings.trainLimit) = (root.path, "0,1", .flatten, nil, nil)
        let result = try ProbeLab.run(model: try Self.plantedModel(), settings: settings)
        XCTAssertEqual(result.train.n, 300)
        XCTAssertEqual(result.test.n, 200)
        XCTAssertEqual(result.layers.map(\.layer), ["0", "1"])
        XCTAssertEqual(result.layers.map(\.dimensions), [16, 2])
        let present = result.layers[0], absent = result.layers[1]
        XCTAssertGreaterThanOrEqual(present.probe.accuracy, 0.97, "pixel 0 decides the label")
        XCTAssertTrue(present.probe.converged)
        // Chance on 200 balanced held-out images: 0.5 ± 0.035 (one sd); allow three.
        XCTAssertEqual(absent.probe.accuracy, 0.5, accuracy: 0.11, "pixels 5 and 10 carry no label")
        for layer in result.layers {
            let control = try XCTUnwrap(layer.control)
            XCTAssertEqual(control.accuracy, 0.5, accuracy: 0.11, "control labels are independent of the image")
            XCTAssertEqual(try XCTUnwrap(layer.selectivity), layer.probe.accuracy - control.accuracy, accuracy: 1e-12)
        }
        XCTAssertGreaterThan(try XCTUnwrap(present.selectivity), 0.35)
        XCTAssertEqual(result.chance, 0.5, accuracy: 1e-12)
        XCTAssertEqual(result.bestLayer, "0")
        XCTAssertNil(present.randomNetwork, "planted is no zoo architecture")
        XCTAssert(result.randomNetwork.hasPrefix("none"), result.randomNetwork)
    }

    func testControlLabelsAreSeededAndBalanced() {
        let a = ControlTask.labels(count: 5000, classes: 10, seed: 3, split: .train)
        XCTAssertEqual(a, ControlTask.labels(count: 5000, classes: 10, seed: 3, split: .train))
        XCTAssertNotEqual(a, ControlTask.labels(count: 5000, classes: 10, seed: 4, split: .train))
        XCTAssertNotEqual(a, ControlTask.labels(count: 5000, classes: 10, seed: 3, split: .test))
        XCTAssertEqual(Array(a.prefix(100)), ControlTask.labels(count: 100, classes: 10, seed: 3, split: .train), "keyed by index")
        var counts = [Int](repeating: 0, count: 10)
        for l in a { counts[l] += 1 }
        // Each class 500 ± 21 (binomial sd); allow four sd.
        for c in counts { XCTAssertEqual(Double(c), 500, accuracy: 85) }
    }

    func testAnUnsplitFolderIsDividedByIndex() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-probe-split-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        try Self.writeData(to: root, train: 20, test: 0)
        var settings = ProbeSettings()
        (settings.data, settings.limit, settings.trainLimit) = (root.appendingPathComponent("train").path, nil, nil)
        let splits = try ProbeLab.splits(settings, model: try Self.plantedModel())
        XCTAssertEqual(splits.train.count, 16)
        XCTAssertEqual(splits.test.count, 4)
    }
}
