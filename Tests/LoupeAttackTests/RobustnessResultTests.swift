import Foundation
import LoupeAttack
import XCTest

/// The robustness lab's files: result.json and `--json` keep their documented keys, the
/// result survives a JSON round trip, and sweep.json files without the later fields
/// still resume and merge.
final class RobustnessResultTests: XCTestCase {
    /// Four hand-made samples under PGD at ε ∈ {0, 0.1}: three correct clean, one of them
    /// broken at 0.1; the ε = 1 check leaves none standing.
    func summary() throws -> RobustnessSummary {
        let s = SweepSettings(model: "m", data: "d", total: 4, attacks: [.pgd], epsilons: [0, 0.1], steps: 2, alpha: 0.05)
        func record(_ id: Int, label: Int, clean: Int, preds: [Int], steps: [Int?]) -> SampleRecord {
            SampleRecord(id: id, label: label, clean: clean, attacks: ["pgd": AttackRecord(
                predictions: preds, attacked: [true, true], linf: [0, 0.1], l2: [0, 0.1], step: steps,
                brokenAt: nil, outOfRange: 0, nonFinite: false)], unbounded: clean == label ? label + 1 : nil)
        }
        return try RobustnessSummary(settings: s, records: [
            record(0, label: 1, clean: 1, preds: [1, 1], steps: [nil, nil]),
            record(1, label: 2, clean: 2, preds: [2, 5], steps: [nil, 1]),
            record(2, label: 3, clean: 3, preds: [3, 3], steps: [nil, nil]),
            record(3, label: 4, clean: 0, preds: [0, 0], steps: [0, 0]),
        ])
    }

    func keys(_ data: Data) throws -> Set<String> {
        Set(try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys)
    }

    func testResultKeysAreTheDocumentedOnes() throws {
        let result = try summary().result(run: "/runs/r")
        let full = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(result)) as? [String: Any] ?? [:]
        XCTAssertEqual(Set(full.keys), ["run", "clean_accuracy", "n", "rows", "audit", "clean_correct", "settings",
                                        "accuracy_per_step", "unbounded_accuracy"])
        let row = try XCTUnwrap((full["rows"] as? [[String: Any]])?.last)
        XCTAssertEqual(Set(row.keys), ["attack", "eps", "robust_accuracy", "success_rate", "ci95", "success_ci95", "robust",
                                       "broken", "correct_clean", "attacked"])
        let settings = try XCTUnwrap(full["settings"] as? [String: Any])
        XCTAssertEqual(Set(settings.keys), ["model", "data", "total", "attacks", "norm", "eps", "steps", "steps_per_attack",
                                            "loss", "alpha", "restarts", "seed", "shard"])
        XCTAssertTrue(settings["shard"] is NSNull, "an unsharded run writes shard: null")
        // 3 of 4 correct clean; at ε = 0.1, 2 of 4 robust and 1 of the 3 correct broken.
        XCTAssertEqual(full["clean_accuracy"] as? Double, 0.75)
        XCTAssertEqual(row["robust_accuracy"] as? Double, 0.5)
        XCTAssertEqual(try XCTUnwrap(row["success_rate"] as? Double), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(full["unbounded_accuracy"] as? Double, 0)

        let brief = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(result.brief)) as? [String: Any] ?? [:]
        XCTAssertEqual(Set(brief.keys), ["run", "clean_accuracy", "n", "rows", "audit"])
        XCTAssertEqual(Set(try XCTUnwrap((brief["rows"] as? [[String: Any]])?.first).keys),
                       ["attack", "eps", "robust_accuracy", "success_rate", "ci95"])
    }

    func testResultRoundTrips() throws {
        let result = try summary().result(run: "/runs/r")
        XCTAssertEqual(try JSONDecoder().decode(RobustnessResult.self, from: try JSONEncoder().encode(result)), result)
        XCTAssertEqual(try JSONDecoder().decode(RobustnessResult.self, from: try JSONEncoder().encode(result.brief)), result.brief)
    }

    /// A sweep.json written before `loss` and `attack_steps` existed.
    func testOldSweepFileStillDecodes() throws {
        let old = """
        {"attacks": ["fgsm", "pgd"], "data": "fashion-mnist:test", "epsilons": [0, 0.1], "model": "m.safetensors",
         "norm": "linf", "restarts": 1, "seed": 0, "steps": 20, "total": 100, "unbounded_check": true}
        """
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("old-sweep-\(UUID().uuidString).json")
        try Data(old.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let settings = try RobustnessSweep.readSettings(url)
        XCTAssertEqual(settings, SweepSettings(model: "m.safetensors", data: "fashion-mnist:test", total: 100, attacks: [.fgsm, .pgd],
                                               epsilons: [0, 0.1], steps: 20))
        XCTAssertEqual(settings.steps(for: .pgd), 20)
        XCTAssertEqual(settings.config(.pgd, eps: 0.1).loss, .ce)
        // And what is written now reads back the same.
        XCTAssertEqual(try SweepSettings.decode(try settings.fileData(), path: "sweep.json"), settings)
    }
}
