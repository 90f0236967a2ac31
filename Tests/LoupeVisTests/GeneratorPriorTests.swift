import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor
import LoupeTesting
@testable import LoupeVis
import XCTest

/// A classifier and a VAE trained quickly on the first 3,000 Fashion-MNIST training
/// images, once for every test here, saved as `loupe train` saves them.
enum PriorFixture {
    static let limit = 3000
    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-prior-\(UUID().uuidString)")

    struct Trained {
        let classifier: Model
        let classifierPath, vaePath: String
        let data: LabeledImages
    }

    static let trained = Result { () throws -> Trained in
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = try IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: "train").prefix(limit)
        func train(_ arch: String, epochs: Int) throws -> (Model, String) {
            let model = try Zoo.architecture(arch, seed: 1)
            var config = Trainer.Config()
            (config.epochs, config.batchSize, config.seed) = (epochs, 32, 1)
            let history = try Trainer(model: model, config: config).train(on: data)
            var info = TrainedModelFile(architecture: arch, spec: nil, preset: model.preset, config: config, adversarial: nil,
                                        data: "fashion-mnist", history: history)
            info.limit = limit
            let path = folder.appendingPathComponent("\(arch).safetensors").path
            try info.save(model: model, optimizerState: [:], to: path)
            return (model, path)
        }
        let (classifier, classifierPath) = try train("fashion-cnn", epochs: 2)
        let (_, vaePath) = try train("fashion-vae", epochs: 6)
        return Trained(classifier: classifier, classifierPath: classifierPath, vaePath: vaePath, data: data)
    }
}

final class GeneratorPriorTests: XCTestCase {
    override class func tearDown() { try? FileManager.default.removeItem(at: PriorFixture.folder) }

    /// The criterion: prototypes optimized in the latent space reach their class
    /// with probability ≥ 0.9 under the model, and are the decoder's images of their codes.
    func testPriorPrototypesReachTheirClass() throws {
        let fixture = try PriorFixture.trained.get()
        let prior = try GeneratorPrior.load(path: fixture.vaePath)
        let classes = try ["Trouser", "Sneaker", "Bag", "Ankle boot"].map { try fixture.classifier.preset.classIndex($0) }
        let run = try prior.run(model: fixture.classifier, objectives: classes.map { .classLogit($0) }, settings: .init())
        let p = try fixture.classifier.logits(run.images).softmax(axis: 1).scalars
        for (i, c) in classes.enumerated() {
            XCTAssertGreaterThanOrEqual(p[i * 10 + c], 0.9, "class \(c): p = \(p[i * 10 + c])")
        }
        XCTAssertEqual(try prior.vae.decode(run.codes).scalars.map(\.bitPattern), run.images.scalars.map(\.bitPattern))
        XCTAssertEqual(run.objectivePerStep.map(\.count), [Int](repeating: 300, count: 4))
    }

    /// The L2 penalty is what keeps z near the prior: with a large weight the code stays
    /// much closer to the origin than without one.
    func testTheL2PenaltyHoldsTheCodeNearThePrior() throws {
        let fixture = try PriorFixture.trained.get()
        let prior = try GeneratorPrior.load(path: fixture.vaePath)
        func norm(_ l2: Float) throws -> Float {
            var s = GeneratorPrior.Settings()
            (s.steps, s.l2) = (100, l2)
            let z = try prior.run(model: fixture.classifier, objectives: [.classLogit(7)], settings: s).codes
            return try (z * z).sum().item.squareRoot()
        }
        XCTAssertLessThan(try norm(1), 0.5 * (try norm(0)))
    }

    /// The lab end to end: result.json's comparison, nearest images checked by brute force.
    func testVisualizeWithAPriorComparesBothPrototypes() throws {
        let fixture = try PriorFixture.trained.get()
        var settings = VisualizeSettings()
        settings.objectives = ["class:Sneaker"]
        (settings.steps, settings.size, settings.prior) = (64, 28, fixture.vaePath)
        settings.priorSettings.steps = 200
        let lab = try FeatureVisualization.run(model: fixture.classifier, settings: settings)
        let comparison = try XCTUnwrap(lab.result.prior)
        XCTAssertEqual(comparison.searchedCount, PriorFixture.limit)
        let pair = try XCTUnwrap(comparison.pairs.first)
        let prototypes = try XCTUnwrap(lab.prior)
        for (picture, record) in [(prototypes.pixelImages, pair.pixel), (prototypes.priorImages, pair.prior)] {
            // Brute force over the 3,000 training images, in Double.
            let p = picture.scalars
            var best = (index: -1, distance: Double.infinity)
            for j in 0..<fixture.data.count {
                let x = try fixture.data.batch([j]).images.scalars
                let d = zip(p, x).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
                if d < best.distance { best = (j, d) }
            }
            XCTAssertEqual(record.nearestIndex, best.index)
            XCTAssertEqual(Double(record.nearestDistance), best.distance, accuracy: 1e-3)
        }
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(pair.prior.classProbability), 0.9)

        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-prior-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let folder = try RunFolder(command: "visualize", out: out.path)
        try VisualizeReport.write(lab, to: folder, command: "loupe visualize --prior vae.safetensors --objective class:Sneaker")
        try folder.finish()
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any])
        let prior = try XCTUnwrap(json["prior"] as? [String: Any])
        let first = try XCTUnwrap((prior["pairs"] as? [[String: Any]])?.first)
        for side in ["pixel", "prior"] {
            let record = try XCTUnwrap(first[side] as? [String: Any])
            XCTAssertEqual(Set(record.keys), ["image", "objective", "class_probability", "nearest_index", "nearest_distance", "nearest_image"])
            for key in ["image", "nearest_image"] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(record[key] as? String)), "\(side).\(key)")
            }
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("prior-comparison.png").path))
        let page = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("generator prior") && page.contains("nearest training image"))
    }

    func testNearestImageOnPlantedData() throws {
        // Three 1×2×2 images; the query is image 1 with one pixel off by 0.2.
        let pixels: [UInt8] = [0, 0, 0, 0, 255, 255, 0, 0, 0, 255, 0, 255]
        let data = try LabeledImages(pixels: pixels, labels: [0, 1, 0], channels: 1, height: 2, width: 2, classes: ["a", "b"],
                                     source: "planted")
        let query = try Tensor(shape: [2, 1, 2, 2], scalars: [1, 0.8, 0, 0, 0, 0.9, 0, 1])
        let matches = try NearestImage.search(query, in: data, chunk: 2)
        XCTAssertEqual(matches.map(\.index), [1, 2])
        XCTAssertEqual(matches[0].distance, 0.2, accuracy: 1e-6)
        XCTAssertEqual(matches[1].distance, 0.1, accuracy: 1e-6)
        XCTAssertThrowsError(try NearestImage.search(Tensor.zeros([1, 1, 3, 3]), in: data))
    }

    func testWhatIsNotAGeneratorIsRefusedByName() throws {
        let fixture = try PriorFixture.trained.get()
        func message(_ path: String) -> String {
            do { _ = try GeneratorPrior.load(path: path); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(fixture.classifierPath).contains("not a generator"), message(fixture.classifierPath))
        XCTAssertTrue(message("/nonexistent/vae.safetensors").contains("no such file"))
        let junk = PriorFixture.folder.appendingPathComponent("junk.safetensors")
        try Data("not a checkpoint".utf8).write(to: junk)
        XCTAssertTrue(message(junk.path).contains("not a generator checkpoint"), message(junk.path))
    }
}
