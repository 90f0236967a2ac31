import Foundation
import LoupeData
import LoupeNN
import LoupeTensor
import LoupeTesting
import LoupeVis
import XCTest

final class TransparencyTests: XCTestCase {
    /// Random weights, as in VisualizationTests: nothing to download.
    lazy var model: Model = try! Zoo.architecture("efficientnet-lite0")

    func settings(steps: Int, size: Int = 32, penalty: Float = Transparency.defaultPenalty) -> VisualizationSettings {
        var s = VisualizationSettings()
        s.steps = steps
        s.size = size
        s.seed = 3
        s.alpha = true
        s.alphaPenalty = penalty
        return s
    }

    func testAlphaParameterizationGradientMatchesFiniteDifferences() throws {
        for (h, w) in [(6, 8), (7, 5)] {
            for channels in [3, 1] {
                let p = try ImageParameterization(basis: .fourier(decay: 1), batch: 1, channels: channels, height: h, width: w,
                                                  alpha: true, stream: RandomStream(seed: 1))
                XCTAssertEqual(p.parameter.value.shape, [1, channels + 1, h, w / 2 + 1, 2])
                let spectrum = try Tensor.randomNormal(p.parameter.value.shape, std: 0.05, stream: RandomStream(seed: 2))
                try checkGradients([spectrum], eps: 1e-3) { try p.image(from: $0[0]) }
                let pixel = try ImageParameterization(basis: .pixel, batch: 2, channels: channels, height: h, width: w,
                                                      alpha: true, stream: RandomStream(seed: 1))
                try checkGradients([randomTensor([2, channels + 1, h, w], seed: 3)]) { try pixel.image(from: $0[0]) }
            }
        }
    }

    /// The colours are exactly the image without alpha; alpha is sigmoid of its own
    /// plane, not mixed by the colour decorrelation.
    func testAlphaIsAFourthPlaneOutsideTheColourMixing() throws {
        let value = randomTensor([1, 4, 5, 6], seed: 11)
        let withAlpha = try ImageParameterization(basis: .pixel, batch: 1, channels: 3, height: 5, width: 6, alpha: true,
                                                  stream: RandomStream(seed: 1))
        let plain = try ImageParameterization(basis: .pixel, batch: 1, channels: 3, height: 5, width: 6,
                                              stream: RandomStream(seed: 1))
        let image = try withAlpha.image(from: value)
        XCTAssertEqual(image.shape, [1, 4, 5, 6])
        let expectedColor = try plain.image(from: try value.narrowed(axis: 1, start: 0, length: 3))
        assertClose(try image.narrowed(axis: 1, start: 0, length: 3).scalars, expectedColor.scalars, tol: 1e-6)
        let alphaPlane = Array(value.scalars[90...])
        assertClose(try image.narrowed(axis: 1, start: 3, length: 1).scalars, alphaPlane.map { 1 / (1 + exp(-$0)) }, tol: 1e-6)
    }

    func testStartingFromAnImageKeepsOrSetsAlpha() throws {
        var p = try ImageParameterization(basis: .fourier(decay: 1), batch: 1, channels: 3, height: 8, width: 8, alpha: true,
                                          stream: RandomStream(seed: 4))
        let before = try p.image().narrowed(axis: 1, start: 3, length: 1).scalars
        let rgb = try Tensor.full([1, 3, 8, 8], 0.3)
        try p.start(from: rgb)
        let image = try p.image()
        assertClose(try image.narrowed(axis: 1, start: 0, length: 3).scalars, rgb.scalars, tol: 1e-3)
        assertClose(try image.narrowed(axis: 1, start: 3, length: 1).scalars, before, tol: 1e-5)
        try p.start(from: try Tensor.full([1, 4, 8, 8], 0.8))
        assertClose(try p.image().scalars, [Float](repeating: 0.8, count: 256), tol: 1e-3)
        XCTAssertThrowsError(try p.start(from: try Tensor.full([1, 2, 8, 8], 0.5)))
    }

    func testCompositeAndLucidsWeightedObjective() throws {
        // 0.8·0.25 + 0.2·1 = 0.4 ; 0.2·0.25 + 0.8·1 = 0.85.
        let color = try Tensor(shape: [1, 1, 1, 2], scalars: [0.25, 0.25])
        let alpha = try Tensor(shape: [1, 1, 1, 2], scalars: [0.8, 0.2])
        let over = try Transparency.composite(color, alpha: alpha, over: try Tensor.full([1, 1, 1, 2], 1))
        assertClose(over.scalars, [0.4, 0.85], tol: 1e-6)

        // Lucid: loss = −obj·(1 − mean α_crop) − 0.5·obj·(1 − mean α_full). With obj = 2,
        // mean α_crop = 0.3, mean α_full = 0.6: loss = −1.4 − 0.4 = −1.8; ours is −loss / 1.5 = 1.2.
        let crop = try Tensor(shape: [1, 1, 1, 2], scalars: [0.1, 0.5]), full = try Tensor(shape: [1, 1, 1, 2], scalars: [0.6, 0.6])
        let v = try Transparency.weighted(Tensor(2), cropAlpha: crop, fullAlpha: full, weight: 1)
        XCTAssertEqual(try v.item, 1.2, accuracy: 1e-6)
        // Half the weight: 2·(1 − 0.5·0.4) = 1.6; no weight: the objective itself.
        XCTAssertEqual(try Transparency.weighted(Tensor(2), cropAlpha: crop, fullAlpha: full, weight: 0.5).item, 1.6, accuracy: 1e-6)
        XCTAssertEqual(try Transparency.weighted(Tensor(2), cropAlpha: crop, fullAlpha: full, weight: 0).item, 2)
        try checkGradients([Tensor(1.5), crop, full]) { try Transparency.weighted($0[0], cropAlpha: $0[1], fullAlpha: $0[2], weight: 0.7) }
    }

    func testBackgroundsAreSeededFreshAndInRange() throws {
        let a = try Transparency.background(batch: 1, channels: 3, height: 16, width: 16, stream: RandomStream(seed: 1, key: [1]))
        let b = try Transparency.background(batch: 1, channels: 3, height: 16, width: 16, stream: RandomStream(seed: 1, key: [1]))
        let c = try Transparency.background(batch: 1, channels: 3, height: 16, width: 16, stream: RandomStream(seed: 1, key: [2]))
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssertNotEqual(a.scalars, c.scalars)
        XCTAssertTrue(a.scalars.allSatisfy { $0 > 0 && $0 < 1 })
        // sd 0.2 with 1/f^1.5 scaling is far from flat: the background has visible structure.
        let mean = a.scalars.reduce(0, +) / Float(a.count)
        let sd = (a.scalars.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(a.count)).squareRoot()
        XCTAssertGreaterThan(sd, 0.02)
    }

    /// The objective, measured on the composite over gray, rises within three steps from
    /// a known start (the per-step history sees random backgrounds, so it is not comparable).
    func testObjectiveRisesOverThreeStepsWithAlpha() throws {
        let start = try randomTensor([1, 4, 32, 32], seed: 5).sigmoid()
        for (net, objective, channels) in [
            (model, Objective.channel(layer: "blocks.3", channel: 5), 3),
            (try Zoo.architecture("fashion-cnn", seed: 1), Objective.classLogit(7), 1),
        ] {
            var s = settings(steps: 3, size: net.preset.channels == 1 ? 28 : 32)
            s.transforms = []
            let side = s.size
            s.startImage = try start.narrowed(axis: 1, start: 0, length: channels + 1)
                .narrowed(axis: 2, start: 0, length: side).narrowed(axis: 3, start: 0, length: side)
            let visualizer = Visualizer(model: net)
            let initial = try visualizer.evaluate([objective], on: try XCTUnwrap(s.startImage))[0]
            let result = try visualizer.run([objective], settings: s)
            XCTAssertEqual(result.images.shape, [1, channels + 1, side, side])
            XCTAssertGreaterThan(result.finalObjective[0], initial, "\(objective) did not rise: \(result.objectivePerStep[0])")
        }
    }

    func testSameSeedGivesABitIdenticalRGBAPNG() throws {
        let s = settings(steps: 3)
        let a = try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 5)], settings: s)
        let b = try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 5)], settings: s)
        let pngA = try Image.images(from: a.images)[0].pngData(), pngB = try Image.images(from: b.images)[0].pngData()
        XCTAssertEqual(pngA, pngB)
        XCTAssertEqual(pngA[25], 6, "PNG colour type should be RGBA")
        XCTAssertEqual(try Image.decode(pngA).channels, 4)
        var other = s
        other.seed = 4
        let c = try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 5)], settings: other)
        XCTAssertNotEqual(a.images.scalars, c.images.scalars)
    }

    /// A positive objective (a class probability) discounted by opacity at Lucid's weight
    /// ends up clearly more transparent than the same run with the penalty off (measured:
    /// 0.33 against 0.59 after 40 steps). Gray + alpha, on a small classifier.
    func testPenaltyLowersMeanAlpha() throws {
        let classifier = try Zoo.architecture("fashion-cnn", seed: 1)
        func meanAlpha(_ penalty: Float) throws -> Float {
            let r = try Visualizer(model: classifier).run([.classProbability(3)], settings: settings(steps: 40, size: 28, penalty: penalty))
            return try Transparency.split(r.images, channels: 1).alpha.mean().item
        }
        let free = try meanAlpha(0), penalized = try meanAlpha(1)
        XCTAssertLessThan(penalized, free - 0.1, "penalty 1: mean alpha \(penalized), penalty 0: \(free)")
    }

    func testQualityNumbersUseTheImageOverGray() throws {
        let s = settings(steps: 1)
        let r = try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 5)], settings: s)
        let (color, alpha) = try Transparency.split(r.images, channels: 3)
        let byHand = try color * alpha + (1 - alpha) * 0.5
        assertClose(try r.opaqueImages().scalars, byHand.scalars, tol: 1e-6)
        let onGray = try Visualizer(model: model).evaluate([.channel(layer: "blocks.3", channel: 5)], on: byHand)
        XCTAssertEqual(r.finalObjective, onGray)
        XCTAssertThrowsError(try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 5)], settings: settings(steps: 1, penalty: -1)))
        XCTAssertThrowsError(try Visualizer(model: model).run([.channel(layer: "blocks.3", channel: 5)], settings: settings(steps: 1, penalty: 1.5)))
    }

    func testCheckerboardIsLucids() throws {
        let board = try Transparency.checkerboard(channels: 1, height: 16, width: 16)
        // 8 × 8 squares of 2 px: (0, 0) light, (2, 0) dark, (2, 2) light.
        XCTAssertEqual(board.scalars[0], 0.95)
        XCTAssertEqual(board.scalars[2], 0.6)
        XCTAssertEqual(board.scalars[2 * 16 + 2], 0.95)
        XCTAssertEqual(board.scalars[1 * 16 + 1], 0.95)
    }
}
