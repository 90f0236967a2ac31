import Foundation
import LoupeData
import LoupeNN
import LoupeTensor
@testable import LoupeVis
import XCTest

/// TCAV on a planted network whose class-0 logit is a known direction of tap "1":
/// a₀ = mean(left half) − mean(right half), a₁ = mean(top half) − mean(bottom half), and
/// logit₀ = a₀, so ∂logit₀/∂a = e₀ for every image. A concept that moves a₀ must score ≈ 1
/// and be significant; one that moves only a₁ (orthogonal) must not be.
final class ConceptTests: XCTestCase {
    static func plantedModel() throws -> Model {
        let halves = try Linear(64, 2)
        var w = [Float](repeating: 0, count: 128)
        for y in 0..<8 {
            for x in 0..<8 {
                w[y * 8 + x] = (x < 4 ? 1 : -1) / 32
                w[64 + y * 8 + x] = (y < 4 ? 1 : -1) / 32
            }
        }
        halves.weight.value = try Tensor(shape: [2, 64], scalars: w)
        halves.bias?.value = Tensor([0, 0])
        let head = try Linear(2, 2)
        head.weight.value = try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1])
        head.bias?.value = Tensor([0, 0])
        return Model(name: "planted-tcav", network: Sequential([Flatten(), halves, head]), preset: TinyNetworks.preset(side: 8, classes: 2))
    }

    /// `count` 8×8 gray images: 0.6·mask + 0.4·noise, mask nil for pure noise.
    static func images(_ name: String, count: Int, seed: UInt64, mask: ((Int, Int) -> Bool)?) throws -> ConceptSet {
        let stream = RandomStream(seed: seed)
        return ConceptSet(name: name, source: name, images: try (0..<count).map { i in
            try Image(width: 8, height: 8, channels: 1, unitFloats: (0..<64).map { p in
                let u = stream.uniform(at: UInt64(i * 64 + p))
                guard let mask else { return u }
                return 0.6 * (mask(p % 8, p / 8) ? 1 : 0) + 0.4 * u
            })
        })
    }

    func testConceptAlongTheLogitIsSignificantAndAnOrthogonalOneIsNot() throws {
        let model = try Self.plantedModel()
        let along = try Self.images("left", count: 40, seed: 1) { x, _ in x < 4 }
        let orthogonal = try Self.images("top", count: 40, seed: 2) { _, y in y < 4 }
        let randoms = try (0..<10).map { try Self.images("random \($0)", count: 40, seed: 100 + UInt64($0), mask: nil) }
        let classImages = try Self.images("class", count: 30, seed: 99, mask: nil)
        var settings = ConceptSettings()
        (settings.concepts, settings.layer, settings.className) = (["left", "top"], "1", "class 0")
        let lab = try ConceptLab.run(model: model, settings: settings, concepts: [along, orthogonal], randoms: randoms, classIndex: 0,
                                     classData: .images(classImages.images, name: "class", model: model))
        let r = lab.result
        XCTAssertEqual(r.dimensions, 2)
        XCTAssertEqual(r.randomScores.count, 10)
        XCTAssertEqual(r.threshold, 0.025, accuracy: 1e-15, "Bonferroni over two concepts")
        XCTAssertEqual(r.notes.count, 1)
        let left = r.concepts[0], top = r.concepts[1]
        XCTAssertEqual(left.scores.count, 10)
        XCTAssertGreaterThanOrEqual(left.mean, 0.95)
        XCTAssertGreaterThanOrEqual(left.cavAccuracy, 0.95, "the concept is separable from noise")
        XCTAssertTrue(left.significant, "p = \(left.test.p)")
        XCTAssertLessThan(left.test.p, 0.01)
        XCTAssertGreaterThanOrEqual(top.cavAccuracy, 0.95, "the orthogonal concept is separable too")
        XCTAssertFalse(top.significant, "p = \(top.test.p), scores \(top.scores) vs \(r.randomScores)")
        XCTAssertGreaterThanOrEqual(top.test.p, 0.05)
        // Every image has the same gradient e₀, so each score is all or nothing.
        XCTAssert((left.scores + top.scores + r.randomScores).allSatisfy { $0 == 0 || $0 == 1 })
        XCTAssertEqual(lab.samples.count, 3)
    }

    func testTCAVScoreCountsPositiveDirectionalDerivatives() throws {
        // Hand-made: CAV (1, −1); gradients (2, 1), (1, 2), (3, 0), (0, 0) → dot products 1, −1, 3, 0:
        // two of four strictly positive.
        let negative = FeatureMatrix(layer: "l", values: [0, 1, 0, 1.1, 0.1, 1, 0.1, 1.1], count: 4, dimensions: 2, kind: "flatten")
        let positive = FeatureMatrix(layer: "l", values: [1, 0, 1, 0.1, 1.1, 0, 1.1, 0.1], count: 4, dimensions: 2, kind: "flatten")
        let cav = try ConceptVector(positive: positive, negative: negative, l2: 0.1)
        XCTAssertGreaterThan(cav.direction[0], 0)
        XCTAssertEqual(cav.direction[0], -cav.direction[1], accuracy: 1e-9, "the sets mirror each other across x = y")
        let g = FeatureMatrix(layer: "l", values: [2, 1, 1, 2, 3, 0, 0, 0], count: 4, dimensions: 2, kind: "flatten")
        XCTAssertEqual(try cav.tcavScore(g), 0.5)
    }

    func testSyntheticSetsAreDeterministicForASeed() throws {
        for pattern in ConceptPattern.allCases {
            let a = try SyntheticConcepts.image(pattern, index: 3, side: 32, seed: 5)
            XCTAssertEqual(a.pixels, try SyntheticConcepts.image(pattern, index: 3, side: 32, seed: 5).pixels, "\(pattern)")
            XCTAssertNotEqual(a.pixels, try SyntheticConcepts.image(pattern, index: 3, side: 32, seed: 6).pixels, "\(pattern)")
            XCTAssertNotEqual(a.pixels, try SyntheticConcepts.image(pattern, index: 4, side: 32, seed: 5).pixels, "\(pattern)")
            // Two colours, both present, whose luminances differ by at least 0.35.
            var colours: [[UInt8]: Int] = [:]
            for p in 0..<(32 * 32) { colours[Array(a.pixels[(3 * p)..<(3 * p + 3)]), default: 0] += 1 }
            XCTAssertEqual(colours.count, 2, "\(pattern)")
            let lum = colours.keys.map { 0.299 * Double($0[0]) + 0.587 * Double($0[1]) + 0.114 * Double($0[2]) }
            XCTAssertGreaterThanOrEqual(abs(lum[0] - lum[1]), 0.35 * 255 - 1, "\(pattern)")
            XCTAssertGreaterThan(colours.values.min() ?? 0, 32, "\(pattern): both colours cover part of the image")
        }
        let n = try SyntheticConcepts.noise(set: 2, index: 7, side: 16, seed: 1)
        XCTAssertEqual(n.pixels, try SyntheticConcepts.noise(set: 2, index: 7, side: 16, seed: 1).pixels)
        XCTAssertNotEqual(n.pixels, try SyntheticConcepts.noise(set: 3, index: 7, side: 16, seed: 1).pixels)
        let stripes = try ConceptSet.concept("synthetic:stripes", count: 5, side: 16, seed: 0)
        XCTAssertEqual(stripes.images.count, 5)
        XCTAssertEqual(stripes.images[2].pixels, try SyntheticConcepts.image(.stripes, index: 2, side: 16, seed: 0).pixels)
        XCTAssertThrowsError(try ConceptSet.concept("synthetic:plaid", count: 5, side: 16, seed: 0))
    }

    func testSettingsRefuseBadInput() {
        var s = ConceptSettings()
        (s.concepts, s.className, s.layer) = (["synthetic:stripes"], "0", "1")
        XCTAssertNoThrow(try s.validate())
        var bad = s; bad.concepts = ["synthetic:plaid"]; XCTAssertThrowsError(try bad.validate())
        bad = s; bad.random = ["only-one-folder"]; XCTAssertThrowsError(try bad.validate())
        bad = s; bad.random = ["synthetic", "x"]; XCTAssertThrowsError(try bad.validate())
        bad = s; bad.concepts = []; XCTAssertThrowsError(try bad.validate())
        bad = s; bad.alpha = 1; XCTAssertThrowsError(try bad.validate())
    }
}
