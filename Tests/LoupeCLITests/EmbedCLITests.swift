import Foundation
import XCTest

/// `loupe embed` as a user runs it: result.json's keys, the run folder's files, and a
/// bad layer refused with exit 2.
final class EmbedCLITests: XCTestCase {
    private func data() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else {
            throw XCTSkip("apt-get install dataset-fashion-mnist")
        }
    }

    func testEmbedWritesTheDocumentedResult() throws {
        try data()
        for method in ["pca", "tsne"] {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-embed-\(method)-\(getpid())")
            defer { try? FileManager.default.removeItem(at: out) }
            let r = try LoupeBinary.run(["embed", "--model", "fashion-cnn", "--data", "fashion-mnist:test", "--layer", "3",
                                         "--method", method, "--limit", "60", "--iterations", "100", "--perplexity", "5",
                                         "--out", out.path, "--quiet", "--json"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any])
            XCTAssertEqual(Set(json.keys), ["command", "model", "layer", "data", "n", "labels", "classes", "features", "dimensions",
                                            "method", "explained_variance", "tsne", "trustworthiness", "neighbors", "class_counts",
                                            "points", "scatter"])
            XCTAssertEqual(json["n"] as? Int, 60)
            XCTAssertEqual(json["method"] as? String, method)
            XCTAssertEqual(json["features"] as? String, "channel-mean", "layer 3 is a conv map")
            XCTAssertEqual(json["dimensions"] as? Int, 64)
            XCTAssertEqual(json["labels"] as? String, "data")
            XCTAssertEqual((json["classes"] as? [String])?.first, "T-shirt/top")
            XCTAssertEqual((json["class_counts"] as? [Int])?.reduce(0, +), 60)
            XCTAssertEqual(Set(try XCTUnwrap(json["neighbors"] as? [String: Any]).keys), ["k", "original", "embedded"])
            let trust = try XCTUnwrap(json["trustworthiness"] as? Double)
            XCTAssert(trust > 0 && trust <= 1, "\(trust)")
            if method == "tsne" {
                XCTAssertEqual(Set(try XCTUnwrap(json["tsne"] as? [String: Any]).keys),
                               ["perplexity", "iterations", "learning_rate", "exaggeration", "seed", "kl_divergence"])
            } else {
                XCTAssertTrue(json["tsne"] is NSNull)
            }
            // The card the recipe page and the gallery show: the map's quality, read from result.json.
            let card = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("card.json"))) as? [String: Any])
            let values = (card["figures"] as? [[String: Any]] ?? []).flatMap { $0["values"] as? [[String: Any]] ?? [] }
            XCTAssertEqual(values.compactMap { $0["key"] as? String }, ["trustworthiness", "neighbors.original", "neighbors.embedded", "n"])
            XCTAssertEqual(values.first { $0["key"] as? String == "trustworthiness" }?["value"] as? Double, trust)
            XCTAssertEqual(values.last?["value"] as? Int, 60)
            for file in ["scatter.svg", "embedding.csv", "thumbnails.png", "index.html"] {
                XCTAssert(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
            }
            let csv = try String(contentsOf: out.appendingPathComponent("embedding.csv"), encoding: .utf8)
            XCTAssertEqual(csv.split(separator: "\n").count, 61)
            let svg = try String(contentsOf: out.appendingPathComponent("scatter.svg"), encoding: .utf8)
            XCTAssertEqual(svg.components(separatedBy: "<circle data-i=").count - 1, 60)
            XCTAssert(svg.contains("Ankle boot") || svg.contains("Trouser"), "the legend names the classes")
            XCTAssert(r.stdout.contains("\"trustworthiness\""), r.stdout)
        }
    }

    func testABadLayerExitsTwo() throws {
        try data()
        let r = try LoupeBinary.run(["embed", "--model", "fashion-cnn", "--layer", "blocks.99", "--limit", "30", "--quiet"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        let limit = try LoupeBinary.run(["embed", "--model", "fashion-cnn", "--layer", "8", "--limit", "2", "--quiet"])
        XCTAssertEqual(limit.status, 2, limit.stderr)
    }
}
