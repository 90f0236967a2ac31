import Foundation
@testable import LoupeAttack
import XCTest

/// `loupe evaluate`'s result.json and `--json` keep the keys the README documents
/// ({"accuracy", "n", "per_class", "confusion"}, plus the attack's when there is one).
final class EvaluateResultTests: XCTestCase {
    /// Two classes, 3 + 1 images; 3 of 4 right under the attack, all 4 clean.
    func result(attacked: Bool) -> EvaluateResult {
        var config = AttackConfig(method: .pgd, eps: 0.1, steps: 20)
        config.seed = 3
        return EvaluateResult(accuracy: 0.75, n: 4, perClass: [2.0 / 3, 1], confusion: [[2, 1], [0, 1]],
                              cleanAccuracy: attacked ? 1 : nil, attack: attacked ? .init(config) : nil,
                              classes: ["a", "b"], model: "m", data: "d:test", command: "loupe evaluate")
    }

    func keys(_ value: some Encodable) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value)) as? [String: Any])
    }

    func testKeysAreTheDocumentedOnes() throws {
        XCTAssertEqual(Set(try keys(result(attacked: false).brief).keys), ["accuracy", "n", "per_class", "confusion"])
        XCTAssertEqual(Set(try keys(result(attacked: false)).keys),
                       ["accuracy", "n", "per_class", "confusion", "classes", "model", "data", "command"])
        let attacked = try keys(result(attacked: true).brief)
        XCTAssertEqual(Set(attacked.keys), ["accuracy", "n", "per_class", "confusion", "clean_accuracy", "attack"])
        let attack = try XCTUnwrap(attacked["attack"] as? [String: Any])
        XCTAssertEqual(Set(attack.keys), ["method", "eps", "alpha", "steps", "restarts", "random_start", "seed"])
        // Madry's default step: 2.5·ε/steps = 2.5 · 0.1 / 20.
        XCTAssertEqual(try XCTUnwrap(attack["alpha"] as? Double), 0.0125, accuracy: 1e-7)
        XCTAssertEqual(attack["random_start"] as? Bool, true)
        // An L2 attack says so; L∞ is the documented default and writes no norm.
        let l2 = try keys(EvaluateResult.Attack(AttackConfig(method: .pgd, norm: .l2, eps: 0.5)))
        XCTAssertEqual(l2["norm"] as? String, "l2")
    }

    func testRoundTrips() throws {
        for r in [result(attacked: false), result(attacked: true)] {
            XCTAssertEqual(try JSONDecoder().decode(EvaluateResult.self, from: try JSONEncoder().encode(r)), r)
        }
        var s = EvaluateSettings()
        s.attack = EvaluateSettings.Attack(method: .apgd)
        XCTAssertEqual(try JSONDecoder().decode(EvaluateSettings.self, from: try JSONEncoder().encode(s)), s)
        XCTAssertEqual(s.attack?.config.steps, 100, "APGD runs 100 steps unless told, as in AutoAttack")
    }

    func testSettingsRefuseWhatCannotRun() {
        var s = EvaluateSettings()
        s.attack = EvaluateSettings.Attack(method: .cw)
        XCTAssertThrowsError(try s.validate())
        s.attack = EvaluateSettings.Attack(method: .apgd)
        s.attack?.alpha = 0.01
        XCTAssertThrowsError(try s.validate(), "apgd adapts its own step size")
        s.attack = nil
        s.batchSize = 0
        XCTAssertThrowsError(try s.validate())
    }
}
