import Foundation
import XCTest

/// Damaged or hand-edited sweep folders given to `loupe merge` and `loupe robustness
/// --resume`, and oversized `visualize` images: each ends with status 2 and one line on
/// stderr naming the file (and for records the line), never a trap, hang or huge allocation.
final class HostileSweepCLITests: XCTestCase {
    var dir: URL!

    /// A checkpoint and a finished 20-sample FGSM sweep, made once and copied per test.
    static var made: (checkpoint: String, sweep: URL)?
    static let madeIn = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-hostile-sweep-\(UUID().uuidString)")

    static let sweepArguments = ["--attacks", "fgsm", "--eps", "0,0.1", "--limit", "20", "--quiet"]

    override class func tearDown() { try? FileManager.default.removeItem(at: madeIn) }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-hostile-sweep-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    /// A fresh copy of a real sweep folder, and the checkpoint it was run with.
    func sweepFolder() throws -> (folder: URL, checkpoint: String) {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else {
            throw XCTSkip("Fashion-MNIST is not installed (make test installs dataset-fashion-mnist)")
        }
        if Self.made == nil {
            try FileManager.default.createDirectory(at: Self.madeIn, withIntermediateDirectories: true)
            let checkpoint = Self.madeIn.appendingPathComponent("tiny.safetensors").path
            let train = try LoupeBinary.run(["train", "--limit", "64", "--epochs", "1", "--validate", "none", "--out", checkpoint, "--quiet"])
            XCTAssertEqual(train.status, 0, train.stderr)
            let sweep = Self.madeIn.appendingPathComponent("sweep")
            let run = try LoupeBinary.run(["robustness", "--model", checkpoint] + Self.sweepArguments + ["--out", sweep.path])
            XCTAssertEqual(run.status, 0, run.stderr)
            Self.made = (checkpoint, sweep)
        }
        guard let made = Self.made else { throw XCTSkip("no sweep folder") }
        let copy = dir.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: made.sweep, to: copy)
        return (copy, made.checkpoint)
    }


    /// Rewrites one field of the folder's `sweep.json`.
    func setSetting(_ key: String, _ value: Any, in folder: URL) throws {
        let url = folder.appendingPathComponent("sweep.json")
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        json[key] = value
        try JSONSerialization.data(withJSONObject: json).write(to: url)
    }

    /// The lines of the folder's `records.jsonl`.
    func recordLines(in folder: URL) throws -> [String] {
        try String(contentsOf: folder.appendingPathComponent("records.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
    }

    func writeRecordLines(_ lines: [String], in folder: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("records.jsonl"))
    }

    /// Line `index` (0-based) with its FGSM result's `attacked` emptied.
    func withoutAttacked(_ line: String) throws -> String {
        var record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        var attacks = try XCTUnwrap(record["attacks"] as? [String: Any])
        var fgsm = try XCTUnwrap(attacks["fgsm"] as? [String: Any])
        fgsm["attacked"] = [Bool]()
        attacks["fgsm"] = fgsm
        record["attacks"] = attacks
        return String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
    }

    func merge(_ folder: URL) -> [String] { ["merge", folder.path, "--out", dir.appendingPathComponent("merged-\(UUID().uuidString)").path, "--quiet"] }

    func testMergeRefusesSettingsOutOfBounds() throws {
        let (folder, _) = try sweepFolder()
        for (key, value, says) in [
            ("total", -1 as Any, "total -1"),
            ("total", 1_000_000_000_000_000 as Any, "at most 1000000000 samples"),
            ("steps", -1 as Any, "steps -1"),
            ("steps", 1_000_000_000_000 as Any, "steps 1000000000000"),
            ("epsilons", [Double]() as Any, "no budget"),
            ("restarts", 0 as Any, "restarts 0"),
            ("shard", ["index": 5, "count": 2] as Any, "5/2"),
        ] {
            let copy = dir.appendingPathComponent("\(key)-\(UUID().uuidString)")
            try FileManager.default.copyItem(at: folder, to: copy)
            try setSetting(key, value, in: copy)
            try assertUserError(merge(copy), mentions: ["sweep.json", says])
        }
    }

    func testMergeAndResumeRefuseARecordMissingItsBudgets() throws {
        let (folder, checkpoint) = try sweepFolder()
        var lines = try recordLines(in: folder)
        XCTAssertEqual(lines.count, 20)
        lines[16] = try withoutAttacked(lines[16])
        try writeRecordLines(lines, in: folder)
        try assertUserError(merge(folder), mentions: ["records.jsonl:17:", "attacked"])
        try assertUserError(["robustness", "--model", checkpoint] + Self.sweepArguments + ["--out", folder.path, "--resume"],
                            mentions: ["records.jsonl:17:", "attacked"])
    }

    func testResumeRefusesADuplicatedSample() throws {
        let (folder, checkpoint) = try sweepFolder()
        var lines = try recordLines(in: folder)
        // The same sample again, disagreeing with the first: counting both would report n = 21 of 20.
        var record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        record["clean"] = ((record["clean"] as? Int ?? 0) + 1) % 10
        lines.append(String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self))
        try writeRecordLines(lines, in: folder)
        try assertUserError(["robustness", "--model", checkpoint] + Self.sweepArguments + ["--out", folder.path, "--resume"],
                            mentions: ["records.jsonl:21:", "first on line 1"])
        try assertUserError(merge(folder), mentions: ["records.jsonl:21:", "first on line 1"])
    }

    func testVisualizeSizeHasAMaximum() throws {
        try assertUserError(["visualize", "--objective", "blocks.1:0", "--size", "100000", "--out", dir.appendingPathComponent("v").path],
                            mentions: ["--size 100000", "4096"])
    }
}
