import Foundation
import LoupeData
import XCTest

/// `loupe attribute --images FOLDER|LIST`: the JSON shapes, the table, and one-line errors
/// with status 2 for input that names no usable image.
final class CompareCLITests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-compare-cli-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// A 28×28 gray PNG of a bright square on dark noise.
    func photo(_ name: String, offset: Int) throws -> String {
        let path = folder.appendingPathComponent(name).path
        let pixels = (0..<(28 * 28)).map { i -> UInt8 in
            let (y, x) = (i / 28, i % 28)
            return (8 + offset..<18 + offset).contains(y) && (6..<16).contains(x) ? 230 : UInt8((i * 37 + offset) % 60)
        }
        try Image(width: 28, height: 28, channels: 1, pixels: pixels).savePNG(path: path)
        return path
    }

    func testCompareWritesTheSummaryAndEveryImagesMetrics() throws {
        let images = folder.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        let a = try photo("images/a.png", offset: 0), b = try photo("images/b.png", offset: 4)
        _ = try photo("images/c.png", offset: 8)
        let out = folder.appendingPathComponent("run")
        let r = try LoupeBinary.run(["attribute", "--images", "\(a),\(b)", "--model", "fashion-cnn", "--method", "all",
                                     "--metrics", "fast", "--samples", "32", "--steps", "4", "--metric-steps", "10",
                                     "--metric-samples", "8", "--segments", "8", "--patch", "8", "--stride", "8", "--target", "3",
                                     "--out", out.path, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // stdout: pure JSON, one line; the table goes to stderr beside the progress.
        let line = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set(line.keys), ["run", "n", "interval", "skipped", "summary"])
        XCTAssertEqual(line["n"] as? Int, 2)
        XCTAssertTrue(r.stderr.contains("mean rank") && r.stderr.contains("deletion AUC"), r.stderr)
        XCTAssertTrue(r.stderr.contains("skipping cam:"), "fashion-cnn has no global-average-pool head: \(r.stderr)")
        XCTAssertTrue(r.stderr.hasSuffix("report: \(out.path)/index.html\n"), r.stderr)

        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["command", "model", "methods", "skipped", "settings", "faithfulness", "interval", "ranked_by",
                                        "curve_fractions", "n", "summary", "images"])
        let methods = try XCTUnwrap(json["methods"] as? [String])
        let skipped = try XCTUnwrap(json["skipped"] as? [[String: Any]])
        XCTAssertEqual(skipped.map { $0["method"] as? String }, ["cam"])
        XCTAssertFalse(methods.contains("cam"))
        XCTAssertTrue(methods.contains("gradcam") && methods.contains("lime") && methods.contains("rise"), "\(methods)")
        let summary = try XCTUnwrap(json["summary"] as? [[String: Any]])
        XCTAssertEqual(summary.count, methods.count)
        XCTAssertEqual(summary.compactMap { $0["rank"] as? Int }, Array(1...methods.count))
        for row in summary {
            XCTAssertEqual(Set(row.keys), ["method", "rank", "mean_rank", "metrics", "deletion_curve", "insertion_curve"])
            let metrics = try XCTUnwrap(row["metrics"] as? [String: [String: Any]])
            XCTAssertEqual(Set(metrics.keys), ["deletion_auc", "insertion_auc", "road_morf", "road_lerf", "infidelity",
                                               "infidelity_normalized", "max_sensitivity", "randomization"])
            let deletion = try XCTUnwrap(metrics["deletion_auc"])
            XCTAssertEqual(Set(deletion.keys), ["mean", "lower", "upper", "n"])
            XCTAssertEqual(deletion["n"] as? Int, 2)
            let (mean, lower, upper) = (try XCTUnwrap(deletion["mean"] as? Double), try XCTUnwrap(deletion["lower"] as? Double),
                                        try XCTUnwrap(deletion["upper"] as? Double))
            XCTAssertTrue(lower <= mean && mean <= upper)
            XCTAssertEqual(metrics["max_sensitivity"]?["n"] as? Int, 0, "fast leaves it out")
            XCTAssertEqual((row["deletion_curve"] as? [Double])?.count, 11)
        }
        let rows = try XCTUnwrap(json["images"] as? [[String: Any]])
        XCTAssertEqual(rows.map { $0["image"] as? String }, [a, b])
        for row in rows {
            XCTAssertEqual(Set(row.keys), ["image", "input", "target", "maps"])
            XCTAssertEqual((row["target"] as? [String: Any])?["index"] as? Int, 3)
            XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(row["input"] as? String)))
            let maps = try XCTUnwrap(row["maps"] as? [[String: Any]])
            XCTAssertEqual(maps.compactMap { $0["method"] as? String }, methods)
            for cell in maps {
                XCTAssertEqual(Set(cell.keys), ["method", "image", "layer", "metrics"])
                XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(cell["image"] as? String)))
                XCTAssertNotNil((cell["metrics"] as? [String: Any])?["deletion"] as? [String: Any])
            }
        }
        let page = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("<svg") && page.contains("Student t-interval") && page.contains("images/001-a/input.png"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("card.json").path))

        // A folder: every image in it, by name.
        let again = try LoupeBinary.run(["attribute", "--images", images.path, "--model", "fashion-cnn", "--method", "saliency",
                                         "--metrics", "none", "--out", folder.appendingPathComponent("run2").path, "--quiet", "--json"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let second = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(second["n"] as? Int, 3)
    }

    func testBadImagesAreOneLineAndStatusTwo() throws {
        let a = try photo("a.png", offset: 0)
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let text = folder.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: text)
        let cases: [([String], String)] = [
            (["--images", "\(a),\(folder.appendingPathComponent("gone.png").path)"], "gone.png"),
            (["--images", empty.path], "no PNG or JPEG images"),
            (["--images", "\(a),\(text.path)"], "not a PNG or JPEG"),
            ([a, "--images", a], "not both"),
            ([], "--images"),
        ]
        for (args, expected) in cases {
            let r = try LoupeBinary.run(["attribute"] + args + ["--model", "fashion-cnn", "--method", "saliency", "--out",
                                                                folder.appendingPathComponent("never").path])
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(expected), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("never").path))
        }
    }
}
