import Foundation
import LoupeAttack
import XCTest

/// `sweep.json` and `records.jsonl` read back by `merge` and `--resume` are checked
/// against sane bounds and against each other, naming the file and line.
final class SweepFileValidationTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-sweepfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    let settings = SweepSettings(model: "m", data: "d", total: 3, attacks: [.fgsm], epsilons: [0, 0.1], unboundedCheck: false)

    func record(_ id: Int, clean: Int = 1, attacked: [Bool] = [true, false]) -> SampleRecord {
        SampleRecord(id: id, label: 1, clean: clean, attacks: [
            "fgsm": AttackRecord(predictions: [1, 1], attacked: attacked, linf: [0, 0], l2: [0, 0], step: [nil, nil],
                                 brokenAt: nil, outOfRange: 0, nonFinite: false),
        ], unbounded: nil)
    }

    func encode(_ r: SampleRecord) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try e.encode(r), as: UTF8.self)
    }

    /// A folder holding `settings` (with `edit` applied to its JSON) and these record lines.
    func folder(_ lines: [String], edit: (inout [String: Any]) -> Void = { _ in }) throws -> URL {
        let url = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: settings.fileData()) as? [String: Any])
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: url.appendingPathComponent(SweepSettings.fileName))
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: url.appendingPathComponent(RecordsFile.name))
        return url
    }

    func assertMergeFails(_ url: URL, mentions: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try RobustnessSweep.merge([url]), file: file, line: line) { error in
            for part in mentions { XCTAssertTrue("\(error)".contains(part), "'\(part)' not in: \(error)", file: file, line: line) }
        }
    }

    func testAWellFormedFolderMerges() throws {
        let url = try folder([try encode(record(0)), try encode(record(1)), try encode(record(2))])
        let merged = try RobustnessSweep.merge([url])
        XCTAssertEqual(merged.records.map(\.id), [0, 1, 2])
        XCTAssertEqual(try RobustnessSummary(settings: merged.settings, records: merged.records).n, 3)
    }

    func testSettingsOutOfBoundsAreRefused() throws {
        let lines = [try encode(record(0))]
        for (key, value, says) in [
            ("total", -1 as Any, "total -1"),
            ("total", 1_000_000_000_000_000 as Any, "at most"),
            ("steps", -1 as Any, "steps -1"),
            ("steps", 1_000_000_000_000 as Any, "steps 1000000000000"),
            ("attack_steps", ["pgd": 0] as Any, "pgd steps 0"),
            ("restarts", 100_000 as Any, "restarts 100000"),
            ("epsilons", [Double]() as Any, "no budget"),
            ("epsilons", [-1.0] as Any, "eps -1"),
            ("attacks", [String]() as Any, "no attack"),
            ("shard", ["index": 0, "count": 0] as Any, "0/0"),
            ("shard", ["index": -1, "count": 2] as Any, "-1/2"),
        ] {
            assertMergeFails(try folder(lines) { $0[key] = value }, mentions: [SweepSettings.fileName, says])
        }
    }

    func testRecordsOfTheWrongShapeAreRefusedWithTheirLine() throws {
        var short = record(1)
        short.attacks["fgsm"]?.step = []
        var noAttack = record(1)
        noAttack.attacks = [:]
        for (bad, says) in [(record(1, attacked: []), "attacked holds 0 entries"), (short, "step holds 0"),
                            (noAttack, "no fgsm result"), (record(7), "outside")] {
            let url = try folder([try encode(record(0)), try encode(bad), try encode(record(2))])
            assertMergeFails(url, mentions: ["\(RecordsFile.name):2:", says])
        }
    }

    func testARepeatedSampleIsRefusedEvenWhenEqual() throws {
        for again in [record(0), record(0, clean: 2)] {
            let url = try folder([try encode(record(0)), try encode(record(1)), try encode(again), try encode(record(2))])
            assertMergeFails(url, mentions: ["\(RecordsFile.name):3:", "sample 0 again (first on line 1)"])
            XCTAssertThrowsError(try RecordsFile.read(url.appendingPathComponent(RecordsFile.name), settings: settings))
        }
    }
}
