import Foundation
import LoupeReport
import XCTest

/// A card's numbers are read from result.json by key, shown in a fixed format, and a key
/// the result does not have is an error.
final class RunCardTests: XCTestCase {
    let result = Data("""
    {"after": {"top": [{"name": "gibbon", "probability": 0.99934566}, {"name": "indri", "probability": 0.0004}]},
     "n": 500, "eps": 0.0078431377, "ratio": null, "success": true, "loss": "nan", "ok": [1, 2]}
    """.utf8)

    func testKeyPathsWalkObjectsAndArrays() throws {
        let tree = try JSONValue.parse(result)
        XCTAssertEqual(tree.at("after.top.1.name"), .string("indri"))
        XCTAssertEqual(tree.at("n"), .number(500))
        XCTAssertEqual(tree.at("ratio"), .null)
        XCTAssertEqual(tree.at("success"), .bool(true))
        XCTAssertEqual(tree.at("ok.1"), .number(2))
        XCTAssertNil(tree.at("after.top.2.name"), "index past the end")
        XCTAssertNil(tree.at("after.top.x"), "not an index")
        XCTAssertNil(tree.at("n.value"), "a number has no members")
        XCTAssertNil(tree.at("missing"))
    }

    func testResolvedReadsEveryValueFromTheResult() throws {
        let card = RunCard(title: "t", command: "loupe attack", picture: nil, figures: [
            .init("after", .text("after.top.0.name"), .percent("after.top.0.probability")),
            .init("n", .integer("n", prefix: "of ")),
            .init("ε", .budget("eps")),
            .init("ratio", .number("ratio")),
            .init("loss", .number("loss")),
        ])
        let resolved = try card.resolved(against: result)
        XCTAssertEqual(resolved.figures.flatMap(\.values).map(\.value),
                       [.text("gibbon"), .number(0.99934566), .number(500), .number(0.0078431377), .null, .text("nan")])
        XCTAssertEqual(resolved.figures.map(\.shown), ["gibbon 99.9%", "of 500", "0.00784 (2/255)", "–", "nan"])
        XCTAssertEqual(resolved.headline(limit: 2), "after gibbon 99.9% · n of 500")
        XCTAssertEqual(card.figures[0].shown, "? ?", "before it is resolved a card shows no number")
    }

    func testAKeyTheResultDoesNotHaveIsAnError() {
        for key in ["after.top.5.probability", "after.top", "nope"] {
            let card = RunCard(title: "t", command: "", picture: nil, figures: [.init("x", .number(key))])
            XCTAssertThrowsError(try card.resolved(against: result), key) { error in
                XCTAssertTrue("\(error)".contains(key), "\(error)")
            }
        }
    }

    func testFormats() {
        let cases: [(RunCard.Format, Double, String)] = [
            (.percent, 0.5423, "54.2%"), (.percent, 1, "100.0%"), (.percent, 0, "0.0%"),
            (.number, 12.63, "12.6"), (.number, 0.5, "0.5"), (.number, 0.00784, "0.00784"), (.number, 1234.4, "1234"),
            (.number, 0, "0"), (.number, 2.5e-5, "2.50e-05"), (.number, -3.25, "-3.25"), (.number, 2e6, "2.00e+06"),
            (.budget, 8.0 / 255, "0.0314 (8/255)"), (.budget, 0.1, "0.1 (25.5/255)"), (.budget, 0.007, "0.007 (1.79/255)"),
            (.integer, 7, "7"), (.integer, 64, "64"),
        ]
        for (format, value, shown) in cases { XCTAssertEqual(format.show(value), shown, "\(format) \(value)") }
    }

    func testShortNamesKeepTheFolderAndFile() {
        XCTAssertEqual(RunCard.shortName("/work/Outputs/quickstart/fashion-model/model.safetensors"), "fashion-model/model.safetensors")
        XCTAssertEqual(RunCard.shortName("runs/m.safetensors"), "runs/m.safetensors")
        XCTAssertEqual(RunCard.shortName("fashion-mnist:test"), "fashion-mnist:test")
    }

    func testCardRoundTripsThroughJSON() throws {
        var card = try RunCard(title: "t", command: "c", picture: "p.png", figures: [.init("a", .percent("after.top.0.probability"))],
                               verdict: .init(passed: false, "target not reached")).resolved(against: result)
        card.date = "2025-01-02T03:04:05Z"
        XCTAssertEqual(try ResultJSON.decode(RunCard.self, from: try ResultJSON.encode(card)), card)
        XCTAssertEqual(card.written, Date(timeIntervalSince1970: 1_735_787_045))
    }
}
