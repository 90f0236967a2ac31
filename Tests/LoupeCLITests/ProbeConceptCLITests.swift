import Foundation
import LoupeData
import XCTest

/// `loupe probe` and `loupe concept` as a user runs them: result.json's keys, the run
/// folder's files, and user errors refused with exit 2.
final class ProbeConceptCLITests: XCTestCase {
    private func data() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else {
            throw XCTSkip("apt-get install dataset-fashion-mnist")
        }
    }

    private func json(_ folder: URL) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("result.json"))) as? [String: Any])
    }

    func testProbeWritesTheDocumentedResult() throws {
        try data()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-probe-cli-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LoupeBinary.run(["probe", "--model", "fashion-cnn", "--data", "fashion-mnist", "--layers", "2,8",
                                     "--train-limit", "200", "--limit", "100", "--out", out.path, "--quiet", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try json(out)
        XCTAssertEqual(Set(j.keys), ["command", "model", "data", "train", "test", "classes", "chance", "l2", "seed", "random_network",
                                     "layers", "best_layer", "best_accuracy", "plot"])
        let layers = try XCTUnwrap(j["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.map { $0["layer"] as? String }, ["2", "8"])
        XCTAssertEqual(Set(layers[0].keys), ["layer", "depth", "features", "dimensions", "probe", "control", "selectivity", "random_network"])
        XCTAssertEqual(layers[0]["features"] as? String, "channel-mean")
        XCTAssertEqual(layers[1]["dimensions"] as? Int, 128)
        XCTAssertEqual(Set(try XCTUnwrap(layers[0]["probe"] as? [String: Any]).keys), ["accuracy", "train_accuracy", "iterations", "converged"])
        XCTAssertEqual((j["train"] as? [String: Any])?["n"] as? Int, 200)
        XCTAssertEqual((j["test"] as? [String: Any])?["n"] as? Int, 100)
        for file in ["accuracy.svg", "probes.csv", "index.html", "card.json"] {
            XCTAssert(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        XCTAssert(r.stdout.contains("\"selectivity\""), r.stdout)

        let bad = try LoupeBinary.run(["probe", "--model", "fashion-cnn", "--layers", "99", "--train-limit", "20", "--limit", "10", "--quiet"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        let photos = try LoupeBinary.run(["probe", "--data", "photos", "--quiet"])
        XCTAssertEqual(photos.status, 2, photos.stderr)
        XCTAssertFalse(photos.stderr.contains("Fatal error"), photos.stderr)
    }

    /// An image folder of the user's own classes (not the model's) probes fine, and a test
    /// split missing a class keeps the train split's labels: were the test folder's own
    /// sorted names its classes, "light" would be label 0 there and the probe would score 0.
    func testProbeOnAnImageFolderOfItsOwnClasses() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-probe-folder-\(getpid())")
        defer { try? FileManager.default.removeItem(at: root) }
        for (split, classes) in [("train", ["dark", "light"]), ("test", ["light"])] {
            for name in classes {
                let folder = root.appendingPathComponent("\(split)/\(name)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for i in 0..<12 {
                    let base = name == "dark" ? 40 : 200
                    let pixels = (0..<(28 * 28)).map { UInt8(base + ($0 * 7 + i * 13) % 31) }
                    try Image(width: 28, height: 28, channels: 1, pixels: pixels).savePNG(path: folder.appendingPathComponent("\(i).png").path)
                }
            }
        }
        let out = root.appendingPathComponent("run")
        let r = try LoupeBinary.run(["probe", "--model", "fashion-cnn", "--data", root.path, "--layers", "2",
                                     "--no-random-network", "--no-control", "--out", out.path, "--quiet", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try json(out)
        XCTAssertEqual(j["classes"] as? [String], ["dark", "light"])
        let probe = try XCTUnwrap((j["layers"] as? [[String: Any]])?.first?["probe"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(probe["accuracy"] as? Double), 1, accuracy: 1e-9)
    }

    func testConceptWritesTheDocumentedResult() throws {
        try data()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-concept-cli-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LoupeBinary.run(["concept", "--model", "fashion-cnn", "--data", "fashion-mnist:test", "--class", "Shirt", "--layer", "5",
                                     "--concept", "synthetic:stripes", "--concept", "synthetic:dots", "--random", "synthetic",
                                     "--random-sets", "3", "--set-size", "8", "--limit", "10", "--out", out.path, "--quiet", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try json(out)
        XCTAssertEqual(Set(j.keys), ["command", "model", "layer", "dimensions", "class", "random_sets", "set_size", "random_scores",
                                     "random_mean", "random_cav_accuracy", "l2", "alpha", "threshold", "seed", "concepts", "notes",
                                     "plot", "sets"])
        XCTAssertEqual((j["class"] as? [String: Any])?["name"] as? String, "Shirt")
        XCTAssertEqual((j["class"] as? [String: Any])?["n"] as? Int, 10)
        XCTAssertEqual(j["dimensions"] as? Int, 64 * 7 * 7)
        XCTAssertEqual((j["random_scores"] as? [Double])?.count, 3)
        XCTAssertEqual(j["threshold"] as? Double, 0.025)
        let concepts = try XCTUnwrap(j["concepts"] as? [[String: Any]])
        XCTAssertEqual(concepts.map { $0["source"] as? String }, ["synthetic:stripes", "synthetic:dots"])
        XCTAssertEqual(Set(try XCTUnwrap(concepts[0]["test"] as? [String: Any]).keys), ["t", "df", "p"])
        XCTAssertEqual((j["notes"] as? [String])?.count, 2, "Bonferroni and few random sets")
        for file in ["scores.svg", "sets.png", "index.html", "card.json"] {
            XCTAssert(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }

        for args in [["--class", "Sweater"], ["--class", "Shirt", "--concept", "synthetic:plaid"], ["--class", "Shirt", "--random", "/nonexistent-a", "/nonexistent-b"]] {
            var full = ["concept", "--model", "fashion-cnn", "--data", "fashion-mnist:test", "--layer", "5", "--set-size", "8", "--limit", "5", "--quiet"] + args
            if !args.contains("--concept") { full += ["--concept", "synthetic:stripes"] }
            let bad = try LoupeBinary.run(full)
            XCTAssertEqual(bad.status, 2, "\(args): \(bad.stderr)")
            XCTAssertFalse(bad.stderr.contains("Fatal error"), bad.stderr)
        }
    }
}
