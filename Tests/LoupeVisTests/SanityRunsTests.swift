import LoupeNN
import LoupeReport
import LoupeTensor
import LoupeVis
import XCTest

/// The randomization test over several draws of the random weights: the verdict rests on
/// the mean over draws, and the spread is reported.
final class SanityRunsTests: XCTestCase {
    /// The linear model's saliency is |w|: one parameter group, and each draw of random
    /// weights ranks the pixels differently.
    func report(runs: Int, seed: UInt64 = 7) throws -> (SanityCheck.Report, Model) {
        let model = try TinyNetworks.linear()
        let image = try Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map { Float($0) / 16 })
        let attributor = Attributor(model: model)
        let report = try SanityCheck.cascadingRandomization(model: model, method: "saliency", seed: seed, runs: runs) {
            try attributor.attribute(image, target: 0, method: Saliency())
        }
        return (report, model)
    }

    func testNDrawsAreRunAndSummarized() throws {
        let (report, model) = try report(runs: 4)
        XCTAssertEqual(report.runs.count, 4)
        XCTAssertTrue(report.runs.allSatisfy { $0.map(\.randomized) == ["1"] })
        // Each draw's score is its cascade's mean |ρ|; with one step, that step's |ρ|.
        let draws = report.runs.map { Swift.abs($0[0].spearmanAbs ?? 0) }
        XCTAssertEqual(report.draws, draws)
        XCTAssertGreaterThan(Set(draws).count, 1, "independent draws differ: \(draws)")
        let mean = draws.reduce(0, +) / 4
        let sd = (draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        XCTAssertEqual(try XCTUnwrap(report.meanAbsRho), mean, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(report.spread), sd, accuracy: 1e-12)
        XCTAssertEqual(report.passed, mean < SanityCheck.Report.passThreshold)
        XCTAssertTrue(report.verdict.contains("sd over 4 draws"), report.verdict)
        XCTAssertEqual(report.summaries.first?.meanAbs ?? -1, mean, accuracy: 1e-12)
        // The trained weights are back.
        XCTAssertEqual(try XCTUnwrap(model.network.namedParameters().first { $0.0 == "1.weight" }).1.value.scalars,
                       (0..<16).map(Float.init))

        // result.json: runs, draws, mean and spread, per step too.
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: try ResultJSON.encode(SanityRecord(report, image: "sanity-saliency.png"))) as? [String: Any])
        XCTAssertEqual(record["runs"] as? Int, 4)
        XCTAssertEqual((record["draws"] as? [Double])?.count, 4)
        XCTAssertEqual(record["mean_abs_spearman"] as? Double ?? -1, mean, accuracy: 1e-12)
        XCTAssertEqual(record["sd_abs_spearman"] as? Double ?? -1, sd, accuracy: 1e-12)
        let step = try XCTUnwrap((record["steps"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(step.keys), ["randomized", "spearman_abs", "spearman_abs_sd", "spearman_signed", "constant_maps"])
    }

    func testDrawsAreKeyedByTheirIndexAndTheSeed() throws {
        let (one, _) = try report(runs: 1)
        let (three, _) = try report(runs: 3)
        XCTAssertEqual(one.draws, [three.draws[0]], "draw 0 is the same whatever the number of draws")
        XCTAssertNil(one.spread, "one draw has no spread")
        XCTAssertEqual(try report(runs: 3).0.draws, three.draws)
        XCTAssertNotEqual(try report(runs: 3, seed: 8).0.draws, three.draws)
    }
}
