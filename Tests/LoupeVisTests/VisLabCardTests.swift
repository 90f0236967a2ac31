import Foundation
import LoupeNN
import LoupeReport
import LoupeTensor
@testable import LoupeVis
import XCTest

/// Each visualization lab's card, resolved against its result as result.json holds it,
/// shows the result's own numbers: checked here against the fields of hand-made results.
final class VisLabCardTests: XCTestCase {
    func resolved(_ card: RunCard, _ result: some Encodable) throws -> RunCard {
        try card.resolved(against: try ResultJSON.encode(result))
    }

    func number(_ x: Float) -> JSONValue.Scalar { .number(Double("\(x)")!) }

    func testClassifyCardShowsEachImagesTopClassUpToSix() throws {
        let items = (0..<7).map { i in
            ClassifyResult.Item(image: "/photos/p\(i).png", top: [Prediction(index: i, name: "class \(i)", logit: 1, probability: 0.1 * Float(i + 1)),
                                                                   Prediction(index: 9, name: "other", logit: 0, probability: 0.01)])
        }
        let result = ClassifyResult(model: "m", results: items)
        let card = try resolved(ClassifyReport.card(result, picture: "images.png", command: "loupe classify"), result)
        XCTAssertEqual(card.figures.map(\.label), (0..<6).map { "p\($0).png" })
        XCTAssertEqual(card.figures.map { $0.values.map(\.value) }, (0..<6).map { i in [.text("class \(i)"), number(0.1 * Float(i + 1))] })
        XCTAssertEqual(card.figures[2].shown, "class 2 30.0%")
    }

    func visualizeResult(_ units: [VisualizeResult.Unit]) -> VisualizeResult {
        let settings = VisualizeResult.Settings(
            steps: 8, size: 32, lr: 0.05, param: .fft, decay: 1, decorrelate: true, transforms: .standard, l1: 0, tv: 0, blur: 0,
            freq: 0, batch: 1, diversity: 0, alpha: false, alphaPenalty: nil, qualityBackground: nil)
        return VisualizeResult(model: "m", seed: 0, settings: settings,
                               units: units.map { .init(unit: $0, objectivePerStep: [1, 2], referenceMax: nil) })
    }

    func unit(_ objective: String, objective value: Float, ratio: Float? = nil, probability: Float? = nil) -> VisualizeResult.Unit {
        .init(objective: objective, image: "unit.png", finalObjective: value, activationRatio: ratio, classProbability: probability)
    }

    /// Few units: one line each, the class probability for a class, else the ratio, else
    /// the objective.
    func testVisualizeCardShowsEachOfFewUnits() throws {
        let result = visualizeResult([unit("class:388", objective: 9, ratio: 3, probability: 0.99),
                                      unit("blocks.8:1", objective: 4, ratio: 12.5), unit("blocks.8:2", objective: -0.5)])
        let card = try resolved(VisualizeReport.card(result, labels: ["panda", "b1", "b2"], command: ""), result)
        XCTAssertEqual(card.figures.map(\.label), ["panda", "b1", "b2"])
        XCTAssertEqual(card.figures.map { $0.values.map(\.key) },
                       [["units.0.class_probability"], ["units.1.activation_ratio"], ["units.2.final_objective"]])
        XCTAssertEqual(card.figures.map { $0.values.map(\.value) }, [[number(0.99)], [number(12.5)], [number(-0.5)]])
        XCTAssertEqual(card.figures.map(\.shown), ["p 99.0%", "ratio 12.5", "objective -0.5"])
        XCTAssertEqual(card.picture, "contact-sheet.png")
    }

    /// Many units: the lowest and highest activation ratio among the units that have one.
    func testVisualizeCardShowsTheRangeOfManyUnits() throws {
        let ratios: [Float?] = [10.5, nil, 47.2, 5.0, 12.6, nil, 9.4, 20]
        let result = visualizeResult(ratios.enumerated().map { unit("blocks.8:\($0)", objective: 100, ratio: $1) })
        let card = try resolved(VisualizeReport.card(result, labels: [], command: ""), result)
        XCTAssertEqual(card.figures.count, 1)
        XCTAssertEqual(card.figures[0].label, "activation ratio, 6 of 8 units")
        XCTAssertEqual(card.figures[0].values.map(\.key), ["units.3.activation_ratio", "units.2.activation_ratio"])
        XCTAssertEqual(card.figures[0].values.map(\.value), [number(5), number(47.2)])
        XCTAssertEqual(card.figures[0].shown, "5 to 47.2")
    }

    func testDeconvCardShowsTheLayerAndEachChannelOnce() throws {
        let entries = [(12, ReLURule.deconvnet, 3.5), (12, .guided, 3.5), (7, .deconvnet, 1.25), (7, .guided, 1.25)].map { c, rule, a in
            DeconvResult.Entry(rule: rule, channel: c, activation: Float(a), image: "\(rule)-c\(c).png", unit: nil, crop: nil)
        }
        let result = DeconvResult(model: "m", image: "/p/cat.png", layer: "blocks.15", keep: .unit, rules: [.deconvnet, .guided],
                                  reconstructions: entries, maps: [], sanity: nil)
        let card = try resolved(DeconvReport.card(result, command: ""), result)
        XCTAssertEqual(card.figures.map(\.label), ["layer", "channel", "channel"])
        XCTAssertEqual(card.figures.map { $0.values.map(\.value) }, [[.text("blocks.15")], [.number(12), .number(3.5)], [.number(7), .number(1.25)]])
        XCTAssertEqual(card.figures[1].values.map(\.key), ["reconstructions.0.channel", "reconstructions.0.activation"])
        XCTAssertEqual(card.figures[2].values.map(\.key), ["reconstructions.2.channel", "reconstructions.2.activation"])
    }

    func sanity(_ method: String, mean: Double, passed: Bool) throws -> SanityRecord {
        try ResultJSON.decode(SanityRecord.self, from: Data("""
        {"method": "\(method)", "passed": \(passed), "mean_abs_spearman": \(mean), "threshold": 0.5, "verdict": "v",
         "metric": "m", "image": "s.png", "steps": [], "draws": [\(mean)], "runs": 1, "sd_abs_spearman": null}
        """.utf8))
    }

    func testAttributionCardShowsTheTargetScoresAndTheSanityVerdict() throws {
        func entry(_ method: String, _ figures: [String: Double]) -> AttributionResult.Entry {
            .init(method: method, image: "\(method).png", mapImage: "\(method)-map.png", signed: false, layer: nil,
                  peak: PixelPoint(x: 3, y: 4), figures: figures,
                  raw: .init(file: "\(method).npy", shape: [8, 8], dtype: "float32", units: "logit units",
                             pngScale: .init(colormap: "inferno", low: 0, high: 1, rule: "percentile")))
        }
        let settings = AttributionResult.Settings(samples: 1, sigma: 0.1, steps: 4, integration: .uniform, baseline: .black, patch: 8, stride: 4, fill: .gray,
                                                  segments: 50, compactness: 10, segmentFill: .mean, maskGrid: 7, maskProbability: 0.5,
                                                  seed: 0)
        var result = AttributionResult(
            model: "m", image: "/p/cat.png", target: .init(index: 281, name: "tabby"), settings: settings,
            attributions: [entry("gradcam", ["score": 12.5, "map_width": 7]), entry("ig", ["score": 12.5, "completeness_error": 0.002])],
            maps: [], sanity: [try sanity("gradcam", mean: 0.2, passed: true), try sanity("ig", mean: 0.75, passed: false)])
        let card = try resolved(AttributionReport.card(result, picture: "overlays.png", command: ""), result)
        XCTAssertEqual(card.figures.map(\.label), ["target", "gradcam", "ig", "gradcam sanity", "ig sanity"])
        XCTAssertEqual(card.figures.map { $0.values.map(\.value) }, [
            [.text("tabby"), .number(281)], [.number(12.5), .number(3), .number(4)], [.number(12.5), .number(0.002), .number(3), .number(4)],
            [.number(0.2)], [.number(0.75)],
        ])
        XCTAssertEqual(card.figures[2].shown, "score 12.5 completeness error 0.2% peak at x 3 y 4")
        XCTAssertEqual(card.verdict, .init(passed: false, "sanity check failed: ig"))

        result.sanity = nil
        XCTAssertNil(AttributionReport.card(result, picture: "overlays.png", command: "").verdict)
    }

    func testExemplarsCardShowsTheUnitAndItsStrongestImage() throws {
        let entry = ExemplarsResult.Entry(
            rank: 1, index: 7, caption: "#7 Bag", activation: 0.5, unit: nil, crop: .init(x: 0, y: 0, side: 28),
            receptiveField: nil, image: "i.png", reconstruction: "r.png", pair: "p.png")
        let result = ExemplarsResult(model: "fashion-cnn", layer: "7", channel: 2, data: "fashion-mnist:test", scanned: 50, k: 1,
                                     rule: .guided, exemplars: [entry], maps: [], sanity: nil)
        let card = try resolved(ExemplarsReport.card(result, command: ""), result)
        XCTAssertEqual(card.figures.map { $0.values.map(\.value) }, [[.text("7"), .number(2)], [.number(0.5), .text("#7 Bag")], [.number(50)]])
        XCTAssertEqual(card.picture, "reconstructions.png")
    }
}
