import LoupeData
import LoupeNN
import LoupeTensor
import LoupeTesting
import LoupeVis
import XCTest

final class VisualizationTests: XCTestCase {
    /// EfficientNet-Lite0 with its seeded random weights: no download needed, and
    /// every objective below still has a well-defined gradient.
    lazy var model: Model = try! Zoo.architecture("efficientnet-lite0")

    func settings(steps: Int, size: Int = 48) -> VisualizationSettings {
        var s = VisualizationSettings()
        s.steps = steps
        s.size = size
        s.seed = 3
        return s
    }

    func testEveryObjectiveRisesOverThreeSteps() throws {
        let objectives: [Objective] = [
            .channel(layer: "blocks.3", channel: 5),
            .neuron(layer: "blocks.3", channel: 7, x: nil, y: nil),
            .deepdream(layer: "blocks.2"),
            .direction(layer: "blocks.1", vector: (0..<24).map { Float($0 % 3) - 1 }),
            .sum([.channel(layer: "blocks.3", channel: 1), .weighted(-0.5, .channel(layer: "blocks.3", channel: 2))]),
        ]
        var s = settings(steps: 3)
        s.transforms = []  // the same input distribution at every step, so values are comparable
        for objective in objectives {
            let result = try Visualizer(model: model).run([objective], settings: s)
            let history = result.objectivePerStep[0]
            XCTAssertGreaterThan(result.finalObjective[0], history[0], "\(objective) did not rise: \(history)")
        }
        // Class objectives on a small classifier whose random logits depend on the input
        // (a randomly initialized EfficientNet's head is saturated).
        let classifier = try Zoo.architecture("fashion-cnn", seed: 1)
        var small = settings(steps: 3, size: 28)
        small.transforms = []
        for objective in [Objective.classLogit(7), .classProbability(3)] {
            let result = try Visualizer(model: classifier).run([objective], settings: small)
            XCTAssertGreaterThan(result.finalObjective[0], result.objectivePerStep[0][0], "\(objective) did not rise")
        }
    }

    func testSameSeedGivesBitIdenticalImages() throws {
        let s = settings(steps: 4)
        let a = try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 5)], settings: s)
        let b = try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 5)], settings: s)
        let pngA = try Image.images(from: a.images)[0].pngData(), pngB = try Image.images(from: b.images)[0].pngData()
        XCTAssertEqual(pngA, pngB)
        var other = s
        other.seed = 4
        let c = try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 5)], settings: other)
        XCTAssertNotEqual(a.images.scalars, c.images.scalars)
    }

    func testBatchItemsOptimizeTheirOwnUnits() throws {
        let objectives = (0..<3).map { Objective.channel(layer: "blocks.3", channel: $0) }
        let result = try Visualizer(model: model).run(objectives, settings: settings(steps: 2))
        XCTAssertEqual(result.images.shape, [3, 3, 48, 48])
        XCTAssertEqual(result.objectivePerStep.count, 3)
    }

    func testFourierParameterizationGradientMatchesFiniteDifferences() throws {
        for (h, w) in [(6, 8), (7, 5)] {
            let p = try ImageParameterization(basis: .fourier(decay: 1), batch: 1, channels: 3, height: h, width: w,
                                              stream: RandomStream(seed: 1))
            let spectrum = try Tensor.randomNormal(p.parameter.value.shape, std: 0.05, stream: RandomStream(seed: 2))
            try checkGradients([spectrum], eps: 1e-3) { try p.image(from: $0[0]) }
            let pixel = try ImageParameterization(basis: .pixel, batch: 1, channels: 3, height: h, width: w,
                                                  stream: RandomStream(seed: 1))
            try checkGradients([randomTensor([1, 3, h, w], seed: 3)]) { try pixel.image(from: $0[0]) }
        }
    }

    func testColorDecorrelationMatrixIsLucids() {
        // Column norms of Lucid's matrix: √(0.26² + 0.27² + 0.27²) = 0.461953 (the largest),
        // √(0.09² + 0 + 0.09²) = 0.127279, √(0.02² + 0.05² + 0.03²) = 0.061644.
        let c = ImageParameterization.colorCorrelation
        XCTAssertEqual(c[0], 0.26 / 0.461_953, accuracy: 1e-5)
        XCTAssertEqual(c[5], -0.05 / 0.461_953, accuracy: 1e-5)
    }

    func testUnknownLayerAndClassNamesListTheNearestValidOnes() throws {
        XCTAssertThrowsError(try Objective.parse("blocks.88:3", model: model)) { error in
            XCTAssertTrue("\(error)".contains("blocks.8"), "\(error)")
        }
        XCTAssertThrowsError(try Objective.parse("class:giant pandaa", model: model)) { error in
            XCTAssertTrue("\(error)".contains("giant panda"), "\(error)")
        }
        XCTAssertEqual(try Objective.parse("class:giant panda", model: model), .classLogit(388))
        XCTAssertEqual(try Objective.parse("_blocks.8:12", model: model), .channel(layer: "blocks.8", channel: 12))
        XCTAssertEqual(try Objective.parse("neuron:blocks.8:12", model: model),
                       .neuron(layer: "blocks.8", channel: 12, x: nil, y: nil))
        XCTAssertEqual(try Objective.parse("blocks.8:1 - 0.5*blocks.8:2", model: model),
                       .sum([.channel(layer: "blocks.8", channel: 1), .weighted(-0.5, .channel(layer: "blocks.8", channel: 2))]))
        XCTAssertThrowsError(try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 999)], settings: settings(steps: 1)))
    }

    /// Lucid's sanity check: a parameterization must be able to represent an image.
    /// Both bases fit a photo-like target to mean |error| < 0.01 within 1,000 Adam steps.
    func testParameterizationsCanFitAnImage() throws {
        let target = try fitTarget(side: 32)
        for basis in [ImageParameterization.Basis.pixel, .fourier(decay: 1)] {
            let p = try ImageParameterization(basis: basis, batch: 1, channels: 3, height: 32, width: 32,
                                              stream: RandomStream(seed: 5))
            let adam = Adam([p.parameter], learningRate: 0.05)
            var error: Float = 1
            for _ in 0..<1000 {
                adam.zeroGrad([p.parameter])
                let d = try p.image() - target
                try (d * d).sum().backward()
                try adam.step()
                error = try Autograd.noGrad { try (p.image() - target).abs().mean().item }
                if error < 0.01 { break }
            }
            XCTAssertLessThan(error, 0.01, "\(basis) could not fit the image")
        }
    }

    /// The chelsea photo when fetched, else a smooth synthetic image with edges.
    func fitTarget(side: Int) throws -> Tensor {
        let url = Assets.photo("chelsea.png")
        if let image = try? Image.load(path: url.path) {
            return try image.centerCroppedToSquare().resized(width: side, height: side).tensor()
        }
        var values = [Float](repeating: 0, count: 3 * side * side)
        for c in 0..<3 {
            for y in 0..<side {
                for x in 0..<side {
                    values[(c * side + y) * side + x] = 0.2 + 0.6 * Float((x / 8 + y / 8 + c) % 2) * Float(y) / Float(side)
                }
            }
        }
        return try Tensor(shape: [1, 3, side, side], scalars: values)
    }
}
