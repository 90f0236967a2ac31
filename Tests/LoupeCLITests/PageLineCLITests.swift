import Foundation
import LoupeNN
import XCTest

/// Every command that writes a page ends by saying where it is: the last line of what it
/// prints, after its own result. `--json` keeps stdout pure JSON (the line is on stderr);
/// `--quiet` leaves the line out.
final class PageLineCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else {
            throw XCTSkip("Fashion-MNIST is not installed (make test installs dataset-fashion-mnist)")
        }
        guard FileManager.default.fileExists(atPath: Assets.photo("coffee.png").path) else { throw XCTSkip("run `make assets`") }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-page-line-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(at: dir) } }

    /// stdout and stderr in one stream, in the order they were written.
    func runMerged(_ arguments: [String]) throws -> (status: Int32, lines: [String]) {
        guard FileManager.default.isExecutableFile(atPath: LoupeBinary.path) else { throw XCTSkip("build the release binary first") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LoupeBinary.path)
        process.arguments = arguments
        process.currentDirectoryURL = LoupeBinary.root
        let pipe = Pipe()
        (process.standardOutput, process.standardError) = (pipe, pipe)
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init))
    }

    func testTheLastLineSaysWhereThePageIs() throws {
        let model = dir.appendingPathComponent("m.safetensors").path, photo = Assets.photo("coffee.png").path
        // Each command with where its page goes.
        let commands: [(name: String, arguments: (String) -> [String])] = [
            ("train", { ["train", "--limit", "64", "--epochs", "1", "--validate", "none", "--out", model, "--report", $0] }),
            ("attack", { ["attack", photo, "--model", model, "--method", "fgsm", "--eps", "0.1", "--out", $0] }),
            ("robustness", { ["robustness", "--model", model, "--attacks", "fgsm", "--eps", "0,0.1", "--limit", "16", "--out", $0] }),
            ("evaluate", { ["evaluate", "--model", model, "--limit", "32", "--out", $0] }),
            ("deconv", { ["deconv", photo, "--model", model, "--layer", "3", "--out", $0] }),
            ("classify", { ["classify", photo, "--model", model, "--out", $0] }),
        ]
        for (name, arguments) in commands {
            let page = dir.appendingPathComponent(name).path
            let run = try runMerged(arguments(page))
            XCTAssertEqual(run.status, 0, "\(name): \(run.lines.joined(separator: "\n"))")
            XCTAssertEqual(run.lines.last, "report: \(page)/index.html", name)
            XCTAssertGreaterThan(run.lines.count, 1, "\(name) printed its result before the page")
            guard ["train", "attack", "robustness"].contains(name) else { continue }

            let jsonPage = dir.appendingPathComponent("\(name)-json").path
            let json = try LoupeBinary.run(arguments(jsonPage) + ["--json"])
            XCTAssertEqual(json.status, 0, json.stderr)
            XCTAssertEqual(json.stdout.split(separator: "\n").count, 1, "\(name) --json: \(json.stdout)")
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)), "\(name) --json: \(json.stdout)")
            XCTAssertTrue(json.stderr.hasSuffix("report: \(jsonPage)/index.html\n"), "\(name): \(json.stderr)")

            let quiet = try runMerged(arguments(dir.appendingPathComponent("\(name)-quiet").path) + ["--quiet"])
            XCTAssertEqual(quiet.status, 0)
            XCTAssertFalse(quiet.lines.contains { $0.hasPrefix("report: ") }, "\(name) --quiet: \(quiet.lines)")
        }
    }
}
