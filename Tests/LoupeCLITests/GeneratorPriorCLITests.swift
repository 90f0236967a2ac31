import Foundation
import XCTest

/// `loupe train --arch fashion-vae` and `loupe visualize --prior` as a user runs them.
final class GeneratorPriorCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else {
            throw XCTSkip("Fashion-MNIST is not installed (make test installs dataset-fashion-mnist)")
        }
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-prior-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let dir { try? FileManager.default.removeItem(at: dir) }
    }

    func testABadPriorFileIsOneLineAndExitTwo() throws {
        let junk = dir.appendingPathComponent("junk.safetensors")
        try Data("not a checkpoint".utf8).write(to: junk)
        let sidecarOnly = dir.appendingPathComponent("half.safetensors")
        try Data("{\"architecture\": \"fashion-vae\"}".utf8).write(to: dir.appendingPathComponent("half.json"))
        try Data([0, 1, 2]).write(to: sidecarOnly)
        for path in [dir.appendingPathComponent("missing.safetensors").path, junk.path, sidecarOnly.path] {
            let r = try LoupeBinary.run(["visualize", "--prior", path, "--objective", "class:Sneaker"])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("--prior \(path)"), r.stderr)
            XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        }
    }

    /// The exact command forms, on small subsets: the run folder reports the ELBO
    /// per epoch, resume continues the VAE, and visualize puts both prototypes side by side.
    func testTrainAVAEThenVisualizeWithItsPrior() throws {
        let vae = dir.appendingPathComponent("vae.safetensors").path, report = dir.appendingPathComponent("vae-run")
        let train = try LoupeBinary.run(["train", "--data", "fashion-mnist", "--arch", "fashion-vae", "--limit", "256",
                                         "--epochs", "1", "--validate", "none", "--out", vae, "--report", report.path,
                                         "--json", "--quiet"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let printed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
        XCTAssertTrue(printed["accuracy"] is NSNull)
        let epoch = try XCTUnwrap((printed["epochs"] as? [[String: Any]])?.first)
        XCTAssertEqual(try XCTUnwrap(epoch["elbo"] as? Double), -(try XCTUnwrap(epoch["loss"] as? Double)), accuracy: 1e-9)
        XCTAssertTrue(FileManager.default.fileExists(atPath: report.appendingPathComponent("elbo.svg").path))
        let page = try String(contentsOf: report.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("training ELBO"), page)

        let resumed = try LoupeBinary.run(["train", "--resume", vae, "--epochs", "2", "--json", "--quiet"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let again = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((again["epochs"] as? [[String: Any]])?.compactMap { $0["epoch"] as? Int }, [1, 2])

        let classifier = dir.appendingPathComponent("cnn.safetensors").path
        let cnn = try LoupeBinary.run(["train", "--arch", "fashion-cnn", "--limit", "256", "--epochs", "1", "--validate", "none",
                                       "--out", classifier, "--quiet"])
        XCTAssertEqual(cnn.status, 0, cnn.stderr)
        let out = dir.appendingPathComponent("proto").path
        let vis = try LoupeBinary.run(["visualize", "--prior", vae, "--objective", "class:Sneaker", "--model", classifier,
                                       "--steps", "16", "--prior-steps", "16", "--out", out])
        XCTAssertEqual(vis.status, 0, vis.stderr)
        XCTAssertTrue((vis.stdout + vis.stderr).hasSuffix("report: \(out)/index.html\n"), vis.stdout + vis.stderr)
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: out).appendingPathComponent("result.json"))) as? [String: Any])
        let pairs = try XCTUnwrap((result["prior"] as? [String: Any])?["pairs"] as? [[String: Any]])
        XCTAssertEqual(pairs.count, 1)
        XCTAssertEqual((result["settings"] as? [String: Any])?["size"] as? Int, 28, "the pixel prototype at the VAE's size")
    }
}
