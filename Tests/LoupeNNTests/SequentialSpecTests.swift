import Foundation
import LoupeData
import LoupeTensor
import LoupeTesting
@testable import LoupeNN
import XCTest

final class SequentialSpecTests: XCTestCase {
    /// conv 2×2 → ReLU → max-pool 2 → flatten → linear 1→2, weights set by hand.
    static let tiny = """
        name: tiny
        input: {channels: 1, size: 3}
        classes: [yes, no]
        layers:
          - conv: {out: 1, kernel: 2}
          - relu
          - maxpool: {kernel: 2}
          - flatten
          - linear: {out: 2}
        """

    func handSetWeights(_ model: Model) throws {
        try model.network.load(try StateDict([
            ("0.weight", try Tensor(shape: [1, 1, 2, 2], scalars: [1, 1, 1, -2])),
            ("0.bias", Tensor([0.25])),
            ("4.weight", try Tensor(shape: [2, 1], scalars: [2, -1])),
            ("4.bias", Tensor([0, 1])),
        ]))
    }

    func testHandSetWeightsGiveHandComputedOutputs() throws {
        let model = try SequentialSpec.parse(Self.tiny).build()
        XCTAssertEqual(model.preset.labels, ["yes", "no"])
        try handSetWeights(model)
        let x = try Tensor(shape: [1, 1, 3, 3], scalars: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
        // conv: [.1+.2+.4−1.0, .2+.3+.5−1.2, .4+.5+.7−1.6, .5+.6+.8−1.8] + .25 = [−.05, .05, .25, .35];
        // ReLU keeps [0, .05, .25, .35]; the pool takes .35; linear: [2·.35, −.35 + 1].
        assertClose(try model.logits(x).scalars, [0.7, 0.65], tol: 1e-6)
        let taps = try model.layers().map(\.name)
        XCTAssertEqual(taps, ["0", "1", "2", "3", "4"])
    }

    func testNormalizationIsAppliedInsideTheModel() throws {
        let text = Self.tiny.replacingOccurrences(of: "classes:", with: "normalization: {mean: [0.5], std: [0.25]}\nclasses:")
        let model = try SequentialSpec.parse(text).build()
        try handSetWeights(model)
        let x = try Tensor(shape: [1, 1, 3, 3], scalars: [Float](repeating: 0.75, count: 9))
        // (0.75 − 0.5) / 0.25 = 1 everywhere: conv 1+1+1−2+0.25 = 1.25; linear [2.5, −1.25+1].
        assertClose(try model.logits(x).scalars, [2.5, -0.25], tol: 1e-6)
    }

    func testUnknownKeysNameTheKeyAndLine() throws {
        let bad = """
            name: oops
            input: {channels: 1, size: 28}
            layers:
              - conv: {out: 8, kernel: 3}
              - relu
              - conv: {out: 8, kernal: 3}
            """
        XCTAssertThrowsError(try SequentialSpec.parse(bad, file: "net.yaml")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("'kernal'"), message)
            XCTAssertTrue(message.hasPrefix("net.yaml:6:"), message)
            XCTAssertTrue(message.contains("kernel"), "should list the valid keys: \(message)")
        }
        let topLevel = "name: x\ninput: {channels: 1, size: 28}\nlayer:\n  - relu\n"
        XCTAssertThrowsError(try SequentialSpec.parse(topLevel, file: "t.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("t.yaml:3:"), "\(error)")
            XCTAssertTrue("\(error)".contains("'layer'"), "\(error)")
        }
        let unknownLayer = "input: {channels: 1, size: 28}\nlayers:\n  - relu\n  - softmax\n"
        XCTAssertThrowsError(try SequentialSpec.parse(unknownLayer, file: "u.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("u.yaml:4:"), "\(error)")
            XCTAssertTrue("\(error)".contains("'softmax'"), "\(error)")
        }
    }

    func testShapeErrorsNameTheLayer() throws {
        let text = "input: {channels: 1, size: 28}\nlayers:\n  - conv: {out: 4, kernel: 3}\n  - linear: {out: 10}\n"
        XCTAssertThrowsError(try SequentialSpec.parse(text).build()) { error in
            XCTAssertTrue("\(error)".contains("layer 1"), "\(error)")
            XCTAssertTrue("\(error)".contains("flatten"), "\(error)")
        }
    }

    /// Both Fashion-MNIST architectures written as YAML are the zoo's, key for key.
    func testFashionArchitecturesInYAML() throws {
        let cnn = """
            name: fashion-cnn
            input: {channels: 1, size: 28}
            classes: fashion-mnist
            layers:
              - conv: {out: 32, kernel: 3, padding: 1}
              - relu
              - maxpool: {kernel: 2}
              - conv: {out: 64, kernel: 3, padding: 1}
              - relu
              - maxpool: {kernel: 2}
              - flatten
              - linear: {out: 128}
              - relu
              - linear: {out: 10}
            """
        let large = """
            name: fashion-cnn-large
            input: {channels: 1, size: 28}
            classes: fashion-mnist
            layers:
              - conv: {out: 32, kernel: 5, padding: 2}
              - relu
              - maxpool: {kernel: 2}
              - conv: {out: 64, kernel: 5, padding: 2}
              - relu
              - maxpool: {kernel: 2}
              - flatten
              - linear: {out: 1024}
              - relu
              - linear: {out: 10}
            """
        for (text, zoo) in [(cnn, Zoo.fashionCNN), (large, Zoo.fashionCNNLarge)] {
            let spec = try SequentialSpec.parse(text)
            XCTAssertEqual(spec.layers, zoo.layers)
            XCTAssertEqual(spec.preset.labels, zoo.preset.labels)
            let fromYAML = try spec.build(seed: 4), fromZoo = try Zoo.architecture(zoo.name, seed: 4)
            XCTAssertEqual(fromYAML.network.stateDict().map { "\($0.0) \($0.1.value.shape)" },
                           fromZoo.network.stateDict().map { "\($0.0) \($0.1.value.shape)" })
        }
        // The layer sizes.
        let shapes = Dictionary(uniqueKeysWithValues: try Zoo.architecture("fashion-cnn").network.stateDict().map { ($0.0, $0.1.value.shape) })
        XCTAssertEqual(shapes["0.weight"], [32, 1, 3, 3])
        XCTAssertEqual(shapes["3.weight"], [64, 32, 3, 3])
        XCTAssertEqual(shapes["7.weight"], [128, 3136])
        XCTAssertEqual(shapes["9.weight"], [10, 128])
        let largeShapes = Dictionary(uniqueKeysWithValues: try Zoo.architecture("fashion-cnn-large").network.stateDict().map { ($0.0, $0.1.value.shape) })
        XCTAssertEqual(largeShapes["3.weight"], [64, 32, 5, 5])
        XCTAssertEqual(largeShapes["7.weight"], [1024, 3136])
    }

    /// Weight gradients through the whole fashion-cnn (conv, ReLU, max-pool, linear)
    /// against finite differences: the training path of the autograd core.
    func testFashionCNNWeightGradients() throws {
        let model = try Zoo.architecture("fashion-cnn", seed: 8)
        let parameters = model.network.namedParameters()
        let x = try Tensor.randomUniform([2, 1, 28, 28], stream: RandomStream(seed: 8, key: [3]))
        let originals = parameters.map { $0.1.value }
        defer { for (p, v) in zip(parameters, originals) { p.1.value = v } }
        try checkGradients(originals, eps: 1e-3, rtol: 5e-2, atol: 5e-3, samples: 24) { ws in
            for (p, w) in zip(parameters, ws) { p.1.value = w }
            let logits = try model.forward(x, training: true).output!
            return try logits.crossEntropy(labels: [3, 7])
        }
    }
}
