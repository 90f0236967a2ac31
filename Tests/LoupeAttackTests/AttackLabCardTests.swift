import Foundation
@testable import LoupeAttack
import LoupeNN
import LoupeReport
import XCTest

/// Each attack-side lab's card, resolved against its result as result.json holds it,
/// shows the result's own numbers: checked here against the fields of hand-made results.
final class AttackLabCardTests: XCTestCase {
    /// The card read against `result` encoded as the report writes it.
    func resolved(_ card: RunCard, _ result: some Encodable) throws -> RunCard {
        try card.resolved(against: try ResultJSON.encode(result))
    }

    func values(_ card: RunCard, _ label: String) -> [JSONValue.Scalar?] {
        card.figures.first { $0.label == label }?.values.map(\.value) ?? []
    }

    func testAttackCardShowsTheClassesBeforeAndAfterAndTheBudget() throws {
        var settings = AttackSettings()
        (settings.method, settings.eps, settings.target) = (.pgd, 2 / 255, "c368")
        let top = { (i: Int, p: Float) in AdversarialExample.Top(top: [Prediction(index: i, name: "c\(i)", logit: 2, probability: p)]) }
        let example = AdversarialExample(
            image: "/photos/panda.png", model: "m", settings: .init(settings.config), trueClass: 388, target: 368,
            before: top(388, 0.826), after: top(368, 0.9993), linf: 2 / 255, l2: 1.5, success: true, successBeforeQuantization: true,
            flipStep: 3, seconds: 0.5, trajectory: [], linfBeforeRounding: 2 / 255, roundingWarning: nil, queries: nil, brokenBy: nil)
        let result = AttackResult(files: .init(run: "/r", original: "o", adversarial: "a", perturbation: "p"), command: "loupe attack",
                                  example: example)
        let labels = (0..<1000).map { "c\($0)" }
        let card = try resolved(AttackReport.card(example, labels: labels, command: "loupe attack"), result)
        XCTAssertEqual(values(card, "before"), [.text("c388"), .number(Double("\(Float(0.826))")!)])
        XCTAssertEqual(values(card, "after"), [.text("c368"), .number(Double("\(Float(0.9993))")!)])
        XCTAssertEqual(values(card, "ε (L∞)"), [.number(Double("\(Float(2) / 255)")!)])
        XCTAssertEqual(values(card, "L∞ (saved PNG)"), [.number(Double("\(Float(2) / 255)")!)])
        XCTAssertEqual(card.figures.map(\.shown), ["c388 82.6%", "c368 99.9%", "0.00784 (2/255)", "0.00784 (2/255)"])
        XCTAssertEqual(card.verdict, .init(passed: true, "target c368 reached (8-bit image)"))
        XCTAssertEqual(card.picture, "triple.png")

        var failed = example
        (failed.target, failed.success) = (nil, false)
        XCTAssertEqual(AttackReport.card(failed, labels: labels, command: "").verdict?.passed, false)
    }

    /// Clean accuracy, then per attack the smallest, middle and largest nonzero ε, and the
    /// audit's verdict naming the check that failed.
    func testRobustnessCardShowsRobustAccuracyAndTheAudit() throws {
        let eps = [0, 0.05, 0.1, 0.2, 0.3]
        var rows: [RobustnessResult.Row] = []
        for (a, attack) in ["fgsm", "pgd"].enumerated() {
            for (k, e) in eps.enumerated() {
                rows.append(.init(attack: attack, eps: e, robustAccuracy: 0.8 - 0.1 * Double(k) - 0.05 * Double(a), successRate: 0.1,
                                  ci95: [0, 1]))
            }
        }
        let result = RobustnessResult(run: "/r", cleanAccuracy: 0.8, n: 500, rows: rows,
                                      audit: [.init(check: "inside the ε-ball", passed: true, detail: ""),
                                              .init(check: "PGD never leaves more than FGSM", passed: false, detail: "")])
        let card = try resolved(RobustnessReport.card(result, command: "loupe robustness"), result)
        XCTAssertEqual(values(card, "clean accuracy"), [.number(0.8), .number(500)])
        // Nonzero ε are 0.05, 0.1, 0.2, 0.3: the card shows 0.05, 0.2 and 0.3 (rows 1, 3, 4 and 6, 8, 9).
        let shown = card.figures.dropFirst().map { f in f.values.map(\.value) }
        XCTAssertEqual(card.figures.dropFirst().map(\.label), ["fgsm", "fgsm", "fgsm", "pgd", "pgd", "pgd"])
        XCTAssertEqual(shown, [1, 3, 4, 6, 8, 9].map { [.number(rows[$0].eps), .number(rows[$0].robustAccuracy)] })
        XCTAssertEqual(card.figures[1].shown, "ε 0.05 → 70.0%")
        XCTAssertEqual(card.verdict, .init(passed: false, "self-audit FAILED: PGD never leaves more than FGSM"))

        var passing = result
        passing.audit[1].passed = true
        XCTAssertEqual(RobustnessReport.card(passing, command: "").verdict, .init(passed: true, "self-audit: all 2 checks pass"))
    }

    func testEvaluateCardShowsAccuracyAndTheAttack() throws {
        let result = EvaluateResult(accuracy: 0.75, n: 4, perClass: [2.0 / 3, 1], confusion: [[2, 1], [0, 1]], cleanAccuracy: 1,
                                    attack: .init(AttackConfig(method: .pgd, eps: 0.1, steps: 20)), classes: ["a", "b"],
                                    model: "m", data: "d", command: "loupe evaluate")
        let card = try resolved(EvaluateReport.card(result, command: "loupe evaluate"), result)
        XCTAssertEqual(values(card, "accuracy under attack"), [.number(0.75), .number(4)])
        XCTAssertEqual(values(card, "attack"), [.text("pgd"), .number(Double("\(Float(0.1))")!), .number(20)])
        XCTAssertEqual(values(card, "clean accuracy"), [.number(1)])
        XCTAssertEqual(card.picture, "confusion.png")

        var clean = result
        (clean.attack, clean.cleanAccuracy) = (nil, nil)
        XCTAssertEqual(try resolved(EvaluateReport.card(clean, command: ""), clean).figures.map(\.label), ["accuracy"])
    }

    func testTrainCardShowsTheLastEpoch() throws {
        let result = TrainResult(out: "/runs/m.safetensors", history: [
            Trainer.EpochResult(epoch: 1, loss: 0.5, accuracy: 0.8, seconds: 10, testAccuracy: 0.75),
            Trainer.EpochResult(epoch: 2, loss: 0.25, accuracy: 0.9, seconds: 10, testAccuracy: 0.85),
        ], imagesPerSecond: 600, interrupted: false)
        let card = try resolved(TrainReport.card(result, command: "loupe train"), result)
        XCTAssertEqual(card.figures.map(\.label), ["held-out accuracy", "loss", "epochs", "images/s"])
        XCTAssertEqual(card.figures.map { $0.values.map(\.value) }, [[.number(0.85)], [.number(0.25)], [.number(2)], [.number(600)]])
        XCTAssertNil(card.verdict)

        let stopped = TrainResult(out: "m.safetensors", history: [Trainer.EpochResult(epoch: 1, loss: 0.5, accuracy: 0.8, seconds: 1)],
                                  imagesPerSecond: 10, interrupted: true)
        let partial = try resolved(TrainReport.card(stopped, command: ""), stopped)
        XCTAssertEqual(partial.figures.first?.label, "training accuracy")
        XCTAssertEqual(partial.figures.first?.values.first?.value, .number(0.8))
        XCTAssertEqual(partial.verdict?.passed, false)
    }
}
