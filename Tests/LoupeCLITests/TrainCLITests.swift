import Foundation
import XCTest

/// `loupe train` and `loupe evaluate` as a user runs them, including Ctrl-C mid-epoch.
final class TrainCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else {
            throw XCTSkip("Fashion-MNIST is not installed (make test installs dataset-fashion-mnist)")
        }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-train-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    func testTrainThenEvaluatePrintTheDocumentedJSON() throws {
        let out = dir.appendingPathComponent("small.safetensors").path
        let train = try LoupeBinary.run(["train", "--limit", "600", "--epochs", "1", "--validate", "none", "--out", out,
                                         "--json", "--quiet"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let trained = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(trained["out"] as? String, out)
        XCTAssertEqual((trained["epochs"] as? [Any])?.count, 1)

        let eval = try LoupeBinary.run(["evaluate", "--model", out, "--data", "fashion-mnist:test", "--limit", "200",
                                        "--json", "--report", dir.appendingPathComponent("report").path, "--quiet"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        XCTAssertTrue(Set(result.keys).isSuperset(of: ["accuracy", "n", "per_class", "confusion"]), "\(result.keys)")
        XCTAssertEqual(result["n"] as? Int, 200)
        let confusion = try XCTUnwrap(result["confusion"] as? [[Int]])
        XCTAssertEqual(confusion.count, 10)
        XCTAssertEqual(confusion.joined().reduce(0, +), 200)
        // Accuracy is the confusion matrix's trace over n.
        let trace = (0..<10).map { confusion[$0][$0] }.reduce(0, +)
        XCTAssertEqual(try XCTUnwrap(result["accuracy"] as? Double), Double(trace) / 200, accuracy: 1e-12)
    }

    /// `--report DIR`: a run folder whose result.json holds the epochs `--json` printed, one
    /// table row per epoch on the page, and both plots.
    func testTrainReportHoldsEveryEpoch() throws {
        let out = dir.appendingPathComponent("reported.safetensors").path, report = dir.appendingPathComponent("run")
        let train = try LoupeBinary.run(["train", "--limit", "256", "--epochs", "2", "--out", out, "--report", report.path,
                                         "--json", "--quiet"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let printed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
        let saved = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: report.appendingPathComponent("result.json"))) as? [String: Any])
        let epochs = try XCTUnwrap(saved["epochs"] as? [[String: Any]])
        XCTAssertEqual(epochs.map { $0["epoch"] as? Int }, [1, 2])
        XCTAssertEqual(epochs.map { $0["loss"] as? Double }, (printed["epochs"] as? [[String: Any]])?.map { $0["loss"] as? Double })
        let page = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        for e in epochs { XCTAssertTrue(page.contains(String(format: "%.4f", try XCTUnwrap(e["loss"] as? Double))), "epoch \(e)") }
        for plot in ["loss.svg", "accuracy.svg"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: report.appendingPathComponent(plot).path), plot)
        }
    }

    /// SIGINT mid-epoch: exit status 130, a checkpoint that records the batch it stopped
    /// after, and `--resume` finishes the run.
    func testCtrlCSavesTheEpochInFlightAndResumeFinishesIt() throws {
        let out = dir.appendingPathComponent("stopped.safetensors").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LoupeBinary.path)
        guard FileManager.default.isExecutableFile(atPath: LoupeBinary.path) else { throw XCTSkip("build the binary first") }
        process.arguments = ["train", "--limit", "6000", "--batch-size", "16", "--epochs", "1", "--validate", "none",
                             "--out", out]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        let started = DispatchSemaphore(value: 0)
        let log = LockedText()
        err.fileHandleForReading.readabilityHandler = { handle in
            let chunk = String(decoding: handle.availableData, as: UTF8.self)
            if log.append(chunk).contains("epoch 1/1") { started.signal() }
        }
        try process.run()
        XCTAssertEqual(started.wait(timeout: .now() + 120), .success, "no progress line: \(log.text)")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        err.fileHandleForReading.readabilityHandler = nil
        XCTAssertEqual(process.terminationStatus, 130, log.text)
        XCTAssertTrue(log.text.contains("loupe train --resume"), log.text)

        let sidecar = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir.appendingPathComponent("stopped.json").path))) as? [String: Any])
        XCTAssertEqual(sidecar["epochs"] as? Int, 0)
        let partial = try XCTUnwrap(sidecar["partialEpoch"] as? [String: Any], "\(sidecar)")
        let batches = try XCTUnwrap(partial["batches"] as? Int)
        XCTAssertGreaterThan(batches, 0)
        XCTAssertLessThan(batches, 375)

        let resumed = try LoupeBinary.run(["train", "--resume", out, "--json", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let after = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir.appendingPathComponent("stopped.json").path))) as? [String: Any])
        XCTAssertEqual(after["epochs"] as? Int, 1)
        XCTAssertNil(after["partialEpoch"])
    }
}

/// Text appended from a pipe's handler thread and read from the test's.
final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var value = ""
    func append(_ s: String) -> String { lock.withLock { value += s; return value } }
    var text: String { lock.withLock { value } }
}
