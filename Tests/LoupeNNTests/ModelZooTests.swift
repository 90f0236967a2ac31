import LoupeData
import LoupeNN
import LoupeTensor
import XCTest

/// Architecture facts that are public knowledge, checked without any weights.
final class ModelZooTests: XCTestCase {
    func parameterCount(_ model: Model) -> Int {
        model.network.namedParameters().map { $0.1.value.count }.reduce(0, +)
    }

    func testTorchvisionParameterCountsMatchPublishedFigures() throws {
        // torchvision's documented parameter counts (weights + biases, no BN buffers).
        XCTAssertEqual(parameterCount(try Zoo.architecture("vgg16")), 138_357_544)
        XCTAssertEqual(parameterCount(try Zoo.architecture("alexnet")), 61_100_840)
        XCTAssertEqual(parameterCount(try Zoo.architecture("resnet18")), 11_689_512)
    }

    func testEfficientNetLite0MatchesTheCheckpointLayout() throws {
        let model = try Zoo.architecture("efficientnet-lite0")
        // 4,652,008 parameters (lukemelas EfficientNet-Lite0); 296 state-dict tensors.
        XCTAssertEqual(parameterCount(model), 4_652_008)
        XCTAssertEqual(model.network.stateDict().count, 296)
        let names = model.network.stateDict().map(\.0)
        XCTAssertTrue(names.contains("_blocks.15._project_conv.weight"))
        XCTAssertFalse(names.contains("_blocks.0._expand_conv.weight"), "block 0 has expand ratio 1: no expansion")
        XCTAssertEqual(model.network.stateDict().first { $0.0 == "_blocks.1._depthwise_conv.weight" }?.1.value.shape, [96, 1, 3, 3])
    }

    func testFixedInputSizeFollowsTheArchitecture() throws {
        // fashion-cnn flattens 64·7·7 features into a linear layer: only 28 px fits.
        // EfficientNet ends in a global average pool: any size works.
        XCTAssertTrue(try Zoo.architecture("fashion-cnn").needsFixedInputSize())
        XCTAssertTrue(try Zoo.architecture("fashion-cnn-large").needsFixedInputSize())
        XCTAssertFalse(try Zoo.architecture("efficientnet-lite0").needsFixedInputSize())
    }

    func testTapsAndShapesAtTheInputSize() throws {
        let layers = try Zoo.architecture("efficientnet-lite0").layers()
        let shapes = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, $0.shape) })
        XCTAssertEqual(layers.map(\.name), ["stem"] + (0..<16).map { "blocks.\($0)" } + ["head", "pool", "fc"])
        XCTAssertEqual(shapes["stem"], [1, 32, 112, 112])
        XCTAssertEqual(shapes["blocks.7"], [1, 80, 14, 14])
        XCTAssertEqual(shapes["blocks.8"], [1, 112, 14, 14])
        XCTAssertEqual(shapes["blocks.15"], [1, 320, 7, 7])
        XCTAssertEqual(shapes["fc"], [1, 1000])
        let vgg = try Zoo.architecture("vgg16").layers()
        XCTAssertEqual(vgg.first { $0.name == "features.28" }?.shape, [1, 512, 14, 14])  // conv5_3
        XCTAssertEqual(vgg.last?.shape, [1, 1000])
    }

    func testUnknownNamesSuggestTheNearestValidOnes() throws {
        let model = try Zoo.architecture("efficientnet-lite0")
        XCTAssertThrowsError(try model.resolveLayer("block.8")) { error in
            XCTAssertTrue("\(error)".contains("blocks.8"), "\(error)")
        }
        XCTAssertEqual(try model.resolveLayer("_blocks.8"), "blocks.8")
        XCTAssertThrowsError(try Zoo.architecture("efficentnet-lite0")) { error in
            XCTAssertTrue("\(error)".contains("efficientnet-lite0"), "\(error)")
        }
        XCTAssertEqual(try model.preset.classIndex("giant panda"), 388)
        XCTAssertEqual(try model.preset.classIndex("Gibbon"), 368)
        XCTAssertThrowsError(try model.preset.classIndex("gibon")) { error in
            XCTAssertTrue("\(error)".contains("gibbon"), "\(error)")
        }
    }

    func testStopAfterEndsThePassAtTheLayer() throws {
        let model = try Zoo.architecture("efficientnet-lite0")
        let x = try Tensor.zeros([1, 3, 64, 64])
        let pass = try model.forward(x, recording: ["blocks.3"], stopAfter: "blocks.3")
        XCTAssertNil(pass.output)
        XCTAssertEqual(pass["blocks.3"]?.shape, [1, 40, 8, 8])
    }
}

/// The pretrained EfficientNet-Lite0 on real photos (skipped until `make assets`).
final class PretrainedEfficientNetTests: XCTestCase {
    func classify(_ photo: String) throws -> [Prediction] {
        let url = Assets.photo(photo)
        guard FileManager.default.fileExists(atPath: url.path),
              (try? Assets.weights("efficientnet-lite0.pth")) != nil else {
            throw XCTSkip("run `make assets` to fetch the weights and photos")
        }
        let model = try Zoo.load("efficientnet-lite0")
        return try model.topK(try model.input(from: try Image.load(path: url.path)), k: 5)[0]
    }

    func testChelseaIsACat() throws {
        XCTAssertTrue((281...285).contains(try classify("chelsea.png")[0].index))
    }

    func testCoffeeIsEspressoWithHighConfidence() throws {
        let top = try classify("coffee.png")[0]
        XCTAssertEqual(top.index, 967)
        XCTAssertGreaterThan(top.probability, 0.8)
    }

    func testRocketIsAMissile() throws { XCTAssertEqual(try classify("rocket.jpg")[0].index, 657) }

    func testMotorcycleIsAMoped() throws { XCTAssertEqual(try classify("motorcycle_left.png")[0].index, 665) }

    func testBatchedInferenceMatchesSingleImages() throws {
        guard (try? Assets.weights("efficientnet-lite0.pth")) != nil else { throw XCTSkip("run `make assets`") }
        let model = try Zoo.load("efficientnet-lite0")
        let photos = ["chelsea.png", "coffee.png"].map { Assets.photo($0).path }
        guard photos.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { throw XCTSkip("run `make assets`") }
        let inputs = try photos.map { try model.input(from: try Image.load(path: $0)) }
        let batched = try model.logits(try Tensor.concat(inputs, axis: 0)).scalars
        let single = try inputs.flatMap { try model.logits($0).scalars }
        for (a, b) in zip(batched, single) { XCTAssertEqual(a, b, accuracy: 1e-3) }
    }
}
