import Foundation
import LoupeData
import LoupeNN
import LoupeTensor
import LoupeVis
import XCTest

/// Attribution on EfficientNet-Lite0 with the real photos (fetched by `make assets`).
final class PhotoAttributionTests: XCTestCase {
    nonisolated(unsafe) static var cached: Model?

    func model() throws -> Model {
        if let m = Self.cached { return m }
        guard (try? Assets.weights("efficientnet-lite0.pth")) != nil else {
            throw XCTSkip("EfficientNet-Lite0 weights missing: run `make assets`")
        }
        let m = try Zoo.load("efficientnet-lite0")
        Self.cached = m
        return m
    }

    func photo(_ name: String, for model: Model) throws -> Tensor {
        let url = Assets.photo(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("\(name) missing: run `make assets`") }
        return try model.input(from: try Image.load(path: url.path))
    }

    func testIntegratedGradientsCompleteness() throws {
        let m = try model()
        var settings = AttributionSettings()
        settings.steps = 64
        let map = try Attributor(model: m, settings: settings)
            .attribute(try photo("chelsea.png", for: m), target: try m.preset.classIndex("tabby"), method: IntegratedGradients())
        let error = try XCTUnwrap(map.figures["completeness_error"])
        print("IG completeness (tabby on chelsea, black baseline, 64 steps): error \(error), "
              + "sum \(map.figures["attribution_sum"] ?? .nan), F(x) − F(0) \(map.figures["score_difference"] ?? .nan)")
        XCTAssertLessThan(error, 0.01)
    }

    /// The cat fills the 224×224 center crop of chelsea.png except a background strip at
    /// the right (x ≳ 213) and the top-right corner beside the ear; boxes are read off the
    /// photo by eye, in input-pixel coordinates.
    func testGradCAMFindsTheCatAndTheCup() throws {
        let m = try model()
        let attributor = Attributor(model: m)
        let cat = try attributor.attribute(try photo("chelsea.png", for: m), target: try m.preset.classIndex("tabby"), method: GradCAM(plusPlus: false))
        let catPeak = cat.argmax
        print("Grad-CAM tabby on chelsea: layer \(cat.layer ?? "?"), peak (\(catPeak.x), \(catPeak.y))")
        XCTAssertTrue((0...205).contains(catPeak.x) && (0...223).contains(catPeak.y), "peak \(catPeak) outside the cat")
        // coffee.png (600×400) is cropped to x 100–500 and scaled by 0.56: the cup (rim,
        // espresso and body, handle excluded) spans x ≈ 39–174, y ≈ 8–168 there.
        let cup = try attributor.attribute(try photo("coffee.png", for: m), target: try m.preset.classIndex("espresso"), method: GradCAM(plusPlus: false))
        let cupPeak = cup.argmax
        print("Grad-CAM espresso on coffee: peak (\(cupPeak.x), \(cupPeak.y))")
        XCTAssertTrue((39...174).contains(cupPeak.x) && (8...168).contains(cupPeak.y), "peak \(cupPeak) outside the cup")
    }

    func testRandomizationDecorrelatesSaliencyAndGradCAM() throws {
        let m = try model()
        let image = try photo("chelsea.png", for: m)
        let target = try m.preset.classIndex("tabby")
        let attributor = Attributor(model: m)
        let before = try attributor.attribute(image, target: target, method: Saliency()).values
        for method in [Saliency(), GradCAM(plusPlus: false)] as [any AttributionMethod] {
            let report = try SanityCheck.cascadingRandomization(model: m, method: method.name) {
                try attributor.attribute(image, target: target, method: method)
            }
            let steps = try XCTUnwrap(report.runs.first)
            let rhos = steps.map { $0.spearmanAbs.map { String(format: "%.2f", $0) } ?? "const" }
            print("randomization \(method.name): mean |ρ| \(report.meanAbsRho ?? .nan); "
                  + zip(steps.map(\.randomized), rhos).map { "\($0)=\($1)" }.joined(separator: " "))
            XCTAssertEqual(steps.count, SanityCheck.parameterGroups(m).count)
            // A clear drop: already with the class layer random the map has lost most of
            // its ranking, and on average over the cascade little of it is left.
            XCTAssertLessThan(steps.first?.spearmanAbs ?? 1, 0.6, method.name)
            XCTAssertLessThan(report.meanAbsRho ?? 1, 0.5, method.name)
            XCTAssertEqual(report.passed, true)
        }
        // The trained weights are back: the map is unchanged bit for bit.
        XCTAssertEqual(try attributor.attribute(image, target: target, method: Saliency()).values, before)
    }

    /// Adebayo et al.'s finding, which the check must be able to see: guided backprop
    /// hardly changes when the upper layers are randomized.
    func testGuidedBackpropIgnoresTheTopLayers() throws {
        let m = try model()
        let image = try photo("chelsea.png", for: m)
        let target = try m.preset.classIndex("tabby")
        let report = try SanityCheck.cascadingRandomization(model: m, method: "guided", maxSteps: 4) {
            try Attributor(model: m).attribute(image, target: target, method: RuleGradient(rule: .guided))
        }
        let steps = try XCTUnwrap(report.runs.first)
        print("randomization guided (top 4 groups): " + steps.map { String(format: "%.3f", $0.spearmanAbs ?? .nan) }.joined(separator: " "))
        XCTAssertGreaterThan(steps.map { $0.spearmanAbs ?? 0 }.min() ?? 0, 0.9)
        XCTAssertEqual(report.passed, false)
        XCTAssertTrue(report.verdict.contains("FAILS"))
    }

    func testParameterGroupsOfEfficientNet() throws {
        // Stem (+ its batch norm), 16 blocks, head (+ batch norm), fc.
        let groups = SanityCheck.parameterGroups(try model()).map(\.name)
        XCTAssertEqual(groups.count, 19)
        XCTAssertEqual(groups.first, "_conv_stem")
        XCTAssertEqual(groups[1], "_blocks.0")
        XCTAssertEqual(groups.suffix(2), ["_conv_head", "_fc"])
    }
}
