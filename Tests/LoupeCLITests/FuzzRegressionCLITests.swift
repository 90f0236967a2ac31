import Foundation
import LoupeAttack
import LoupeCLI
import LoupeTesting
import XCTest

/// The seeds and past crashes of the recipe and sweep-folder fuzz targets, through the same
/// entry points (Fuzz/Sources/FuzzRecipe, FuzzSweepRecords): each returns or throws one line.
/// Their seeds are the shipped recipes and real sweep folders (`sweep.json`, a zero byte,
/// `records.jsonl`).
final class FuzzRegressionCLITests: XCTestCase {
    func testEverySeedAndRegressionReturnsOrThrows() throws {
        let (replayed, problems) = FuzzInputs.replay([
            "FuzzRecipe": { _ = try Loupe.checkRecipe(String(decoding: $0, as: UTF8.self), file: "fuzz.yaml") },
            "FuzzSweepRecords": { bytes in
                let split = bytes.firstIndex(of: 0) ?? bytes.count
                let summary = try RobustnessSummary(sweepFile: Data(bytes[..<split]),
                                                    recordsFile: split < bytes.count ? Data(bytes[(split + 1)...]) : Data())
                _ = try JSONEncoder().encode(summary.result(run: "fuzz"))
            },
        ])
        XCTAssertEqual(problems, [])
        XCTAssertGreaterThan(replayed, 0)
    }

    /// The seeds are good inputs, so they reach the deepest checks: every shipped recipe
    /// passes and every sweep seed gives a summary. A seed that failed early would fuzz only
    /// the first parser.
    func testSeedsAreValid() throws {
        for target in ["FuzzRecipe", "FuzzSweepRecords"] {
            let dir = FuzzInputs.root.appendingPathComponent("corpus").appendingPathComponent(target)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
                let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
                if target == "FuzzRecipe" {
                    XCTAssertGreaterThan(try Loupe.checkRecipe(String(decoding: bytes, as: UTF8.self), file: name), 0, name)
                } else {
                    let split = try XCTUnwrap(bytes.firstIndex(of: 0), name)
                    let summary = try RobustnessSummary(sweepFile: Data(bytes[..<split]), recordsFile: Data(bytes[(split + 1)...]))
                    XCTAssertEqual(summary.n, summary.settings.ids.count, name)
                }
            }
        }
    }
}
