import Foundation
@testable import LoupeAttack
import LoupeData
import LoupeNN
import LoupeTensor
import XCTest

/// AutoAttack's cascade: each sample gets the worst case of its members, and records say
/// which member broke it.
final class AutoAttackTests: XCTestCase {
    /// A 6-class ReLU network and 16 images, two of them labeled wrongly so they start
    /// misclassified.
    static func planted() throws -> (Model, Tensor, [Int]) {
        let model = try Fixtures.mlp(channels: 2, size: 4, hidden: 12, classes: 6, seed: 3)
        let stream = RandomStream(seed: 9)
        let images = try Tensor(shape: [16, 2, 4, 4], scalars: (0..<(16 * 32)).map { stream.uniform(at: UInt64($0)) })
        var labels = try model.logits(images).argmax()
        labels[3] = (labels[3] + 1) % 6
        labels[11] = (labels[11] + 2) % 6
        return (model, images, labels)
    }

    static func cascade(norm: AttackConfig.Norm) -> AttackConfig {
        var c = AttackConfig(method: .autoattack, norm: norm, eps: norm == .linf ? 0.06 : 0.35)
        (c.steps, c.queries, c.targetClasses, c.seed) = (8, 150, 3, 2)
        return c
    }

    /// Every member's result on a sample depends only on the sample, its id and the seed,
    /// so the cascade breaks exactly the samples some member alone breaks, credits each to
    /// the first member (in AutoAttack's order) that breaks it alone, and counts Square's
    /// queries on exactly the samples that reach Square.
    func testCascadeIsTheUnionOfItsMembers() throws {
        let (model, images, labels) = try Self.planted()
        let ids = Array(100..<116)
        for norm in AttackConfig.Norm.allCases {
            let config = Self.cascade(norm: norm)
            let members = AttackConfig.Method.autoattack.members
            XCTAssertEqual(members.map(\.name), ["apgd-ce", "apgd-t", "fab-t", "square"])
            let alone = try members.map { m -> AttackOutcome in
                let c = m.configure(config)
                XCTAssertEqual(c.method, m.method)
                XCTAssertEqual([c.steps, c.queries, c.targetClasses, c.restarts], [8, 150, 3, 1])
                return try Attacker(model: model, config: c).run(images, labels: labels, sampleIDs: ids)
            }
            let out = try Attacker(model: model, config: config).run(images, labels: labels, sampleIDs: ids)
            let clean = try model.logits(images).argmax()
            for i in 0..<16 {
                let startsWrong = clean[i] != labels[i]
                let first = members.indices.first { alone[$0].success[i] }
                XCTAssertEqual(out.success[i], startsWrong || first != nil, "\(norm) sample \(i)")
                XCTAssertEqual(out.brokenBy[i], startsWrong ? nil : first.map { members[$0].name }, "\(norm) sample \(i)")
                let reachesSquare = !startsWrong && (first == nil || first == 3)
                XCTAssertEqual(out.queries[i], reachesSquare ? alone[3].queries[i] : 0, "\(norm) sample \(i)")
            }
            // The planted model makes the members disagree: the test is not vacuous.
            let credited = Set(out.brokenBy.compactMap { $0 })
            XCTAssertGreaterThanOrEqual(credited.count, 2, "\(norm): \(out.brokenBy)")
            XCTAssertTrue(out.success.contains(false), "\(norm): some sample survives")
            for s in try Perturbation.stats(out.adversarial, origin: images) {
                XCTAssertLessThanOrEqual(norm == .linf ? s.linf : s.l2, config.eps + 1e-6)
                XCTAssertEqual(s.outOfRange, 0)
            }
        }
    }

    /// Property: whatever the input, budget, norm and targeting, Square, APGD-T, FAB-T and
    /// the cascade return images inside the ε-ball (+1e-6) and [0, 1], and never NaN.
    func testNewAttacksStayInBallAndRange() throws {
        let model = try Fixtures.mlp(channels: 2, size: 3, hidden: 8, classes: 5, seed: 11)
        for trial in 0..<24 {
            let stream = RandomStream(seed: 41, key: [UInt64(trial)])
            let x = (0..<(4 * 18)).map { i -> Float in
                let u = stream.uniform(at: UInt64(i))
                return trial % 2 == 0 ? u : (u < 0.5 ? u * 0.05 : 1 - (1 - u) * 0.05)
            }
            let images = try Tensor(shape: [4, 2, 3, 3], scalars: x)
            let norm: AttackConfig.Norm = trial % 4 < 2 ? .linf : .l2
            let eps = (norm == .linf ? 0.02 : 0.1) + (norm == .linf ? 0.3 : 1.5) * stream.uniform(at: 1000)
            let method = [AttackConfig.Method.square, .apgdT, .fabT, .autoattack][trial % 4]
            var config = AttackConfig(method: method, norm: norm, eps: eps, steps: 6)
            (config.queries, config.targetClasses, config.seed, config.earlyStop) = (60, 2 + trial % 3, UInt64(trial), trial % 3 != 0)
            config.restarts = 1 + trial % 2
            let targets: [Int]? = trial % 5 == 1 ? [2, 0, 1, 4] : nil
            let out = try Attacker(model: model, config: config).run(images, labels: [0, 1, 2, 3], targets: targets)
            for (i, s) in try Perturbation.stats(out.adversarial, origin: images).enumerated() {
                XCTAssertLessThanOrEqual(norm == .linf ? s.linf : s.l2, eps + 1e-6, "trial \(trial) \(method) \(norm) sample \(i)")
                XCTAssertLessThanOrEqual(s.outOfRange, 0, "trial \(trial) sample \(i) leaves [0, 1]")
                XCTAssertFalse(s.nonFinite)
            }
        }
    }

    /// On the planted gradient-masking model (a staircase of the input: gradient zero
    /// everywhere) the gradient members find nothing, APGD-T is left out (two classes are
    /// too few for its targeted DLR loss), and Square breaks it.
    func testSquareBreaksWhatMaskedGradientsHide() throws {
        let model = try Fixtures.steppedModel()
        let images = try Tensor(shape: [1, 1, 4, 4], scalars: [Float](repeating: 0.45, count: 16))
        var config = AttackConfig(method: .autoattack, eps: 0.1)
        (config.steps, config.queries) = (10, 500)
        let out = try Attacker(model: model, config: config).run(images, labels: [0])
        XCTAssertEqual(out.success, [true])
        XCTAssertEqual(out.brokenBy, ["square"])
        XCTAssertGreaterThan(out.queries[0], 0)
    }

    /// The property at the level of a sweep: robust accuracy under autoattack is no
    /// higher than under any of its members run alone with the same settings, at every ε;
    /// the per-member counts add up to the samples broken; Square's queries are reported.
    func testSweepReportsTheWorstCaseAndEachMembersShare() throws {
        let (model, images, labels) = try Self.planted()
        let data = try LabeledImages(pixels: images.scalars.map { UInt8(($0 * 255).rounded()) }, labels: labels, channels: 2,
                                     height: 4, width: 4, classes: model.preset.labels, source: "planted")
        let settings = SweepSettings(model: "mlp", data: "planted", total: 16, attacks: [.apgd, .apgdT, .fabT, .square, .autoattack],
                                     epsilons: [0, 0.03, 0.06], steps: 100, seed: 2, queries: 150, targetClasses: 3,
                                     unboundedCheck: false)
        var sweep = try RobustnessSweep(model: model, data: data, settings: settings)
        sweep.batchSize = 7
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-aa-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let records = try sweep.run(into: folder, resume: false)
        let summary = try RobustnessSummary(settings: settings, records: records)
        for e in settings.epsilons {
            let rows = summary.rows.filter { $0.eps == e }
            guard let aa = rows.first(where: { $0.attack == .autoattack }) else { return XCTFail("no autoattack row") }
            for r in rows where r.attack != .autoattack {
                XCTAssertLessThanOrEqual(aa.robust.successes, r.robust.successes, "ε = \(e): autoattack vs \(r.attack)")
            }
            XCTAssertEqual(aa.members.map(\.broke).reduce(0, +), aa.success.successes, "ε = \(e)")
            XCTAssertEqual(aa.members.map(\.name), ["apgd-ce", "apgd-t", "fab-t", "square"])
            XCTAssertNotNil(rows.first { $0.attack == .square }?.queries)
        }
        let last = summary.rows.last { $0.attack == .autoattack }
        XCTAssertGreaterThan(last?.success.successes ?? 0, 0)
        XCTAssertEqual(last?.contributions?.hasPrefix("APGD-CE broke "), true)
        // The records carry the attribution, so a merge or a resume reproduces it.
        let reread = try RecordsFile.read(RobustnessSweep.recordsURL(in: folder), settings: settings)
        XCTAssertEqual(reread, records)
        XCTAssertNotNil(reread.first?.attacks["autoattack"]?.brokenBy)
        XCTAssertNil(reread.first?.attacks["apgd"]?.brokenBy)
        XCTAssertNotNil(reread.first?.attacks["square"]?.queries)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(summary.result(run: "x")), as: UTF8.self)
        XCTAssertTrue(json.contains("\"members\":[{\"attack\":\"apgd-ce\",\"broke\":"), json)
        XCTAssertTrue(json.contains("\"median_to_break\""))
    }

    /// Shards of an autoattack sweep merge to the unsharded run's records, member credits
    /// and Square's queries included: every member's draws are keyed by sample id, never by
    /// a sample's position in its shard or batch.
    func testAutoAttackShardsMergeToTheUnshardedRun() throws {
        let (model, images, labels) = try Self.planted()
        let data = try LabeledImages(pixels: images.scalars.map { UInt8(($0 * 255).rounded()) }, labels: labels, channels: 2,
                                     height: 4, width: 4, classes: model.preset.labels, source: "planted")
        func settings(_ shard: Shard?) -> SweepSettings {
            SweepSettings(model: "mlp", data: "planted", total: 16, attacks: [.autoattack], epsilons: [0, 0.06],
                          steps: 8, seed: 2, queries: 150, targetClasses: 3, unboundedCheck: false, shard: shard)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-aa-shards-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        func run(_ shard: Shard?, batch: Int, into name: String) throws -> (URL, [SampleRecord]) {
            var sweep = try RobustnessSweep(model: model, data: data, settings: settings(shard))
            sweep.batchSize = batch
            let folder = scratch.appendingPathComponent(name)
            return (folder, try sweep.run(into: folder, resume: false))
        }
        let whole = try run(nil, batch: 16, into: "whole").1
        let folders = try (0..<3).map { try run(try Shard(index: $0, count: 3), batch: 4, into: "shard-\($0)").0 }
        let merged = try RobustnessSweep.merge(folders)
        XCTAssertEqual(merged.records, whole)
        let a = try RobustnessSummary(settings: settings(nil), records: whole)
        let b = try RobustnessSummary(settings: merged.settings, records: merged.records)
        XCTAssertEqual(a.rows.map(\.robust), b.rows.map(\.robust))
        XCTAssertEqual(a.rows.map { $0.members.map(\.broke) }, b.rows.map { $0.members.map(\.broke) })
        XCTAssertEqual(a.rows.map { $0.queries?.total }, b.rows.map { $0.queries?.total })
        XCTAssertGreaterThan(a.rows.last?.success.successes ?? 0, 0, "the planted sweep should break someone")
    }

    /// At ε = 0 FAB-T cannot succeed on a correctly classified sample, so it spends one
    /// query (the clean forward) and returns the clean images untouched.
    func testFABAtZeroBudgetReturnsTheCleanImagesAfterOneQuery() throws {
        let (model, images, labels) = try Self.planted()
        var config = AttackConfig(method: .fabT, norm: .linf, eps: 0)
        (config.steps, config.targetClasses) = (8, 3)
        let out = try Attacker(model: model, config: config).run(images, labels: labels, sampleIDs: Array(0..<16))
        XCTAssertEqual(out.adversarial.scalars, images.scalars)
        XCTAssertEqual(out.queries, [Int](repeating: 1, count: 16))
    }

    /// The report's counts from records alone, by hand: four samples, the last wrong
    /// before any attack. Square broke samples 0 (30 queries) and 1 (10) and spent 100 on
    /// sample 2 and 1 on sample 3; the cascade credited sample 0 to APGD-CE (no Square
    /// queries) and sample 1 to Square (12 queries), and spent 100 on sample 2.
    func testMemberCountsAndQueryFiguresFromRecords() throws {
        let settings = SweepSettings(model: "m", data: "d", total: 4, attacks: [.square, .autoattack], epsilons: [0.1],
                                     unboundedCheck: false)
        func record(_ id: Int, clean: Int, square: (Int, Int), cascade: (Int, String?, Int)) -> SampleRecord {
            func attack(_ prediction: Int, _ queries: Int, _ by: String?? = nil) -> AttackRecord {
                AttackRecord(predictions: [prediction], attacked: [true], linf: [0.1], l2: [0.5], step: [nil],
                             brokenAt: prediction == 0 ? nil : 0.1, outOfRange: 0, nonFinite: false,
                             brokenBy: by.map { [$0] }, queries: [queries])
            }
            return SampleRecord(id: id, label: 0, clean: clean, attacks: [
                "square": attack(square.0, square.1),
                "autoattack": attack(cascade.0, cascade.2, .some(cascade.1)),
            ], unbounded: nil)
        }
        let records = [record(0, clean: 0, square: (1, 30), cascade: (1, "apgd-ce", 0)),
                       record(1, clean: 0, square: (2, 10), cascade: (2, "square", 12)),
                       record(2, clean: 0, square: (0, 100), cascade: (0, nil, 100)),
                       record(3, clean: 1, square: (1, 1), cascade: (1, nil, 0))]
        let summary = try RobustnessSummary(settings: settings, records: records)
        let square = try XCTUnwrap(summary.rows.first { $0.attack == .square }?.queries)
        XCTAssertEqual(square, .init(total: 141, mean: 141.0 / 4, medianToBreak: 20))
        let aa = try XCTUnwrap(summary.rows.first { $0.attack == .autoattack })
        XCTAssertEqual(aa.queries, .init(total: 112, mean: 56, medianToBreak: 12))
        XCTAssertEqual(aa.members.map(\.broke), [1, 0, 0, 1])
        XCTAssertEqual(aa.contributions, "APGD-CE broke 1, APGD-T 0 more, FAB-T 0 more, Square 1 more")
        XCTAssertEqual(aa.robust.successes, 1)
        // A record naming an attack that is not a member is damaged.
        var bad = records
        bad[0].attacks["autoattack"]?.brokenBy = ["pgd"]
        XCTAssertNotNil(bad[0].problem(under: settings))
    }
}
