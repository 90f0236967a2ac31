import Foundation
import LoupeAttack
import LoupeNN
import LoupeTensor
import XCTest

final class RobustnessTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-robustness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    func settings(total: Int = 40, shard: Shard? = nil) -> SweepSettings {
        SweepSettings(model: "fashion-cnn (test)", data: "fashion-mnist:test", total: total, attacks: [.fgsm, .pgd],
                      epsilons: [0.1, 0, 0.05], steps: 5, alpha: 0.03, seed: 7, shard: shard)
    }

    func sweep(_ s: SweepSettings, batch: Int) throws -> RobustnessSweep {
        guard let model = Fixtures.trainedFashionCNN, let data = Fixtures.fashionTest else { throw XCTSkip("no Fashion-MNIST") }
        var sweep = try RobustnessSweep(model: model, data: data, settings: s)
        sweep.batchSize = batch
        return sweep
    }

    func testShardsMergeToTheUnshardedRun() throws {
        let whole = try sweep(settings(), batch: 16).run(into: scratch.appendingPathComponent("whole"), resume: false)
        var folders: [URL] = []
        for i in 0..<3 {
            let folder = scratch.appendingPathComponent("shard-\(i)")
            _ = try sweep(settings(shard: try Shard(index: i, count: 3)), batch: 5).run(into: folder, resume: false)
            folders.append(folder)
        }
        let merged = try RobustnessSweep.merge(folders)
        XCTAssertEqual(merged.records, whole)
        XCTAssertEqual(merged.settings, settings())
        let a = try RobustnessSummary(settings: settings(), records: whole)
        let b = try RobustnessSummary(settings: merged.settings, records: merged.records)
        XCTAssertEqual(a.rows.map(\.robust), b.rows.map(\.robust))
        XCTAssertEqual(a.rows.map(\.success), b.rows.map(\.success))
        // A missing shard is an error, not a smaller report.
        XCTAssertThrowsError(try RobustnessSweep.merge(Array(folders.prefix(2))))
        // The audit passes on a correct run, ε is sorted and the cascade skipped someone.
        XCTAssertEqual(a.settings.epsilons, [0, 0.05, 0.1])
        for c in a.audit { XCTAssertTrue(c.passed, "\(c.check): \(c.detail)") }
        XCTAssertLessThan(a.rows.last { $0.attack == .pgd }?.attacked ?? 40, 40)
    }

    func testResumeAfterInterruptionEqualsUninterrupted() throws {
        let s = settings(total: 30)
        let full = try sweep(s, batch: 8).run(into: scratch.appendingPathComponent("full"), resume: false)
        let folder = scratch.appendingPathComponent("killed")
        struct Killed: Error {}
        XCTAssertThrowsError(try sweep(s, batch: 8).run(into: folder, resume: false, afterBatch: { batch in
            if batch == 1 { throw Killed() }
        }))
        // Simulate kill -9 in the middle of the next append: half a line at the end.
        let records = RobustnessSweep.recordsURL(in: folder)
        let handle = try FileHandle(forWritingTo: records)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"attacks\":{\"fgsm\":{\"attacked\":[tr".utf8))
        try handle.close()
        XCTAssertEqual(try RecordsFile.read(records, settings: s).count, 16)
        // Without --resume the folder is refused; with it the run finishes, redoing only the rest.
        XCTAssertThrowsError(try sweep(s, batch: 8).run(into: folder, resume: false))
        var recomputed = 0
        let resumed = try sweep(s, batch: 8).run(into: folder, resume: true) { done, _ in recomputed = done }
        XCTAssertEqual(recomputed, 30)
        XCTAssertEqual(resumed, full)
        XCTAssertEqual(try RecordsFile.read(records, settings: s), full)
        // Other settings cannot resume this folder.
        var other = s
        other.seed = 8
        XCTAssertThrowsError(try sweep(other, batch: 8).run(into: folder, resume: true))
    }

    func testBatchSizeDoesNotChangeRecords() throws {
        let s = settings(total: 20)
        let a = try sweep(s, batch: 20).run(into: scratch.appendingPathComponent("a"), resume: false)
        let b = try sweep(s, batch: 3).run(into: scratch.appendingPathComponent("b"), resume: false)
        XCTAssertEqual(a, b)
    }

    /// Hand-made records: robust accuracy counts all samples, success rate only those
    /// correct before the attack.
    func testSummaryCountsAndAudit() throws {
        let s = SweepSettings(model: "m", data: "d", total: 4, attacks: [.pgd], epsilons: [0, 0.1], steps: 2, unboundedCheck: false)
        func record(_ id: Int, label: Int, clean: Int, preds: [Int], linf: [Float] = [0, 0.1], steps: [Int?] = [nil, nil]) -> SampleRecord {
            SampleRecord(id: id, label: label, clean: clean, attacks: ["pgd": AttackRecord(
                predictions: preds, attacked: [true, true], linf: linf, l2: linf, step: steps,
                brokenAt: nil, outOfRange: 0, nonFinite: false)], unbounded: nil)
        }
        var records = [
            record(0, label: 1, clean: 1, preds: [1, 1]),
            record(1, label: 2, clean: 2, preds: [2, 5], steps: [nil, 1]),
            record(2, label: 3, clean: 3, preds: [3, 3]),
            record(3, label: 4, clean: 0, preds: [0, 0], steps: [0, 0]),   // wrong before the attack
        ]
        let summary = try RobustnessSummary(settings: s, records: records)
        XCTAssertEqual(summary.clean, Proportion(successes: 3, trials: 4))
        XCTAssertEqual(summary.rows[1].robust, Proportion(successes: 2, trials: 4))   // 50% robust accuracy
        XCTAssertEqual(summary.rows[1].success, Proportion(successes: 1, trials: 3))  // 33% success rate
        XCTAssertEqual(summary.accuracyPerStep.first?.accuracy, [0.75, 0.5, 0.5])
        XCTAssertTrue(summary.audit.allSatisfy(\.passed), "\(summary.audit.filter { !$0.passed }.map(\.detail))")
        // A perturbation 1e-5 outside its ball fails the audit.
        records[2] = record(2, label: 3, clean: 3, preds: [3, 3], linf: [0, 0.10001])
        let bad = try RobustnessSummary(settings: s, records: records)
        XCTAssertEqual(bad.audit.first { $0.check.contains("ε-ball") }?.passed, false)
        // Accuracy at ε = 0 differing from clean accuracy fails its check.
        records[2] = record(2, label: 3, clean: 3, preds: [0, 0], steps: [0, 0])
        let zero = try RobustnessSummary(settings: s, records: records)
        XCTAssertEqual(zero.audit.first { $0.check.contains("ε = 0") }?.passed, false)
    }

    func testWilsonInterval() {
        // Reference values: Wilson score interval, z = 1.959964.
        let a = Proportion(successes: 8, trials: 10).ci95
        XCTAssertEqual(a.lower, 0.4902, accuracy: 1e-4)
        XCTAssertEqual(a.upper, 0.9433, accuracy: 1e-4)
        let b = Proportion(successes: 0, trials: 10).ci95
        XCTAssertEqual(b.lower, 0, accuracy: 1e-12)
        XCTAssertEqual(b.upper, 0.2775, accuracy: 1e-4)
        let c = Proportion(successes: 50, trials: 100).ci95
        XCTAssertEqual(c.lower, 0.4038, accuracy: 1e-4)
        XCTAssertEqual(c.upper, 0.5962, accuracy: 1e-4)
    }

    func testShardSlicesCoverEverySampleOnce() throws {
        for total in [1, 7, 100, 10_000] {
            for n in [1, 3, 8] {
                let slices = try (0..<n).map { try Shard(index: $0, count: n).slice(of: total) }
                XCTAssertEqual(slices.flatMap { Array($0) }, Array(0..<total))
            }
        }
        XCTAssertThrowsError(try Shard(parsing: "4/4"))
        XCTAssertThrowsError(try Shard(parsing: "x"))
        XCTAssertEqual(try Shard(parsing: "2/5"), try Shard(index: 2, count: 5))
    }

    /// The sweep's loss reaches every gradient attack but CW (which keeps its margin), and
    /// settings written before the option existed still read, as cross-entropy, and still
    /// merge with new cross-entropy runs.
    func testLossSettingReachesTheAttacksAndOldRunsStillRead() throws {
        let dlr = SweepSettings(model: "m", data: "d", total: 4, attacks: [.fgsm, .pgd, .apgd, .cw], norm: .l2,
                                epsilons: [0.1], loss: .dlr)
        XCTAssertEqual(dlr.config(.pgd, eps: 0.1).loss, .dlr)
        XCTAssertEqual(dlr.config(.apgd, eps: 0.1).loss, .dlr)
        XCTAssertEqual(dlr.config(.cw, eps: 0.1).loss, .margin)
        XCTAssertEqual(dlr.unboundedConfig.loss, .ce, "the ε = 1 self-check stays plain PGD-CE")

        let ce = SweepSettings(model: "m", data: "d", total: 4, attacks: [.pgd], epsilons: [0.1], loss: .ce)
        var json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(ce)) as? [String: Any] ?? [:]
        XCTAssertNil(json["loss"], "cross-entropy is written as before")
        json["loss"] = nil
        let old = try JSONDecoder().decode(SweepSettings.self, from: try JSONSerialization.data(withJSONObject: json))
        XCTAssertTrue(old.mergeable(with: ce))
        XCTAssertFalse(old.mergeable(with: SweepSettings(model: "m", data: "d", total: 4, attacks: [.pgd], epsilons: [0.1], loss: .dlr)))
    }

    /// Resuming under another loss would mix two attacks in one report: refused, naming it.
    func testResumeRefusesAnotherLoss() throws {
        let folder = scratch.appendingPathComponent("loss")
        var ce = settings(total: 4)
        ce.unboundedCheck = false
        _ = try sweep(ce, batch: 4).run(into: folder, resume: false)
        var dlr = ce
        dlr.loss = .dlr
        XCTAssertThrowsError(try sweep(dlr, batch: 4).run(into: folder, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("loss ce vs dlr"), "\(error)")
        }
    }

    /// `--attacks pgd,apgd:6 --steps 3`: each attack runs and is plotted over its own steps,
    /// and the audit still holds.
    func testAttacksKeepTheirOwnSteps() throws {
        let s = SweepSettings(model: "fashion-cnn (test)", data: "fashion-mnist:test", total: 12, attacks: [.fgsm, .pgd, .apgd],
                              epsilons: [0, 0.1], steps: 3, seed: 7, attackSteps: [.apgd: 6, .fgsm: 1], unboundedCheck: false)
        XCTAssertEqual(s.attackSteps, ["apgd": 6], "FGSM's single step is not an override")
        XCTAssertEqual([s.config(.fgsm, eps: 0.1).steps, s.config(.pgd, eps: 0.1).steps, s.config(.apgd, eps: 0.1).steps], [1, 3, 6])
        XCTAssertNil(SweepSettings(model: "m", data: "d", total: 1, attacks: [.pgd], epsilons: [0.1], steps: 3,
                                   attackSteps: [.pgd: 3]).attackSteps, "an override equal to --steps is no override")

        let records = try sweep(s, batch: 6).run(into: scratch.appendingPathComponent("steps"), resume: false)
        XCTAssertTrue(records.allSatisfy { r in (r.attacks["apgd"]?.step.compactMap { $0 }.allSatisfy { $0 <= 6 }) ?? false })
        let summary = try RobustnessSummary(settings: s, records: records)
        XCTAssertEqual(summary.accuracyPerStep.map(\.attack), [.pgd, .apgd])
        XCTAssertEqual(summary.accuracyPerStep.map(\.accuracy.count), [4, 7], "steps 0…3 and 0…6")
        for check in summary.audit { XCTAssertTrue(check.passed, "\(check.check): \(check.detail)") }
    }
}

extension RobustnessTests {
    func testShardSliceOfExtremeIndicesDoesNotOverflow() throws {
        // ⌊200·(n−1)/n⌋ = 199 for any n > 200, and the last shard ends at 200.
        let last = try Shard(index: Int.max - 1, count: Int.max)
        XCTAssertEqual(last.slice(of: 200), 199..<200)
        XCTAssertEqual(try Shard(index: 0, count: Int.max).slice(of: Int.max), 0..<1)
        XCTAssertEqual(try Shard(index: 1, count: 3).slice(of: 10), 3..<6)
    }
}
