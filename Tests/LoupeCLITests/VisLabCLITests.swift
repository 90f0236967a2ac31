import Foundation
import LoupeNN
import XCTest

/// The visualization labs as a user runs them: typed choices refused by the parser, and
/// result.json with the keys the README and scripts read.
final class VisLabCLITests: XCTestCase {
    func testABadChoiceIsRefusedWithTheValidListAndExitsTwo() throws {
        let cases: [(args: [String], valid: [String])] = [
            (["attribute", "x.png", "--method", "saliency,gradcamm"], ["saliency", "gradcampp", "occlusion", "deconvnet", "all"]),
            (["attribute", "x.png", "--method", "gradcam", "--colormap", "jet"], ["inferno", "viridis"]),
            (["visualize", "--objective", "blocks.8:1", "--param", "fourier"], ["fft", "pixel"]),
            (["deconv", "x.png", "--layer", "blocks.8", "--rule", "deconvnet,guidd"], ["gradient", "deconvnet", "guided"]),
            (["deconv", "x.png", "--layer", "blocks.8", "--keep", "all"], ["unit", "map"]),
            (["exemplars", "--layer", "3", "--channel", "0", "--data", "fashion-mnist", "--rule", "guidd"],
             ["gradient", "deconvnet", "guided"]),
            (["visualize", "--objective", "blocks.8:1", "--optimizer", "lbfgs"], ["adam", "sgd"]),
            (["visualize", "--objective", "blocks.8:1", "--transforms", "some"], ["standard", "none"]),
        ]
        for (args, valid) in cases {
            let r = try LoupeBinary.run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            for name in valid { XCTAssertTrue(r.stderr.contains(name), "\(args): \(name) not named in \(r.stderr)") }
            XCTAssertFalse(r.stderr.contains("Fatal error"), r.stderr)
        }
    }

    func testAttributeResultHasTheDocumentedKeys() throws {
        let photo = Assets.photo("coffee.png").path
        guard FileManager.default.fileExists(atPath: photo) else { throw XCTSkip("run `make assets`") }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-attribute-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LoupeBinary.run(["attribute", photo, "--model", "fashion-cnn", "--method", "saliency,ig", "--steps", "4",
                                     "--integration", "gausslegendre", "--sanity", "--sanity-layers", "1", "--sanity-runs", "2",
                                     "--target", "3", "--out", out.path, "--quiet", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["command", "model", "image", "target", "settings", "attributions", "maps", "sanity", "segmentation",
                                        "faithfulness"])
        XCTAssertEqual(Set(try XCTUnwrap(json["faithfulness"] as? [String: Any]).keys),
                       ["level", "substrate", "steps", "infidelity_samples", "infidelity_sigma", "sensitivity_samples",
                        "sensitivity_radius", "road_noise"])
        XCTAssertTrue(json["segmentation"] is NSNull, "no superpixel method ran")
        XCTAssertEqual(Set(try XCTUnwrap(json["target"] as? [String: Any]).keys), ["index", "name"])
        XCTAssertEqual(Set(try XCTUnwrap(json["settings"] as? [String: Any]).keys),
                       ["samples", "sigma", "steps", "integration", "baseline", "patch", "stride", "fill", "segments", "compactness",
                        "segment_fill", "mask_grid", "mask_probability", "seed"])
        XCTAssertEqual((json["settings"] as? [String: Any])?["integration"] as? String, "gausslegendre")
        let attributions = try XCTUnwrap(json["attributions"] as? [[String: Any]])
        XCTAssertEqual(attributions.map { $0["method"] as? String }, ["saliency", "ig"])
        for entry in attributions {
            XCTAssertEqual(Set(entry.keys), ["method", "image", "map_image", "signed", "layer", "peak", "figures", "raw", "metrics"])
            let metrics = try XCTUnwrap(entry["metrics"] as? [String: Any])
            XCTAssertEqual(Set(metrics.keys), ["deletion", "insertion", "road", "infidelity", "infidelity_normalized",
                                               "max_sensitivity", "randomization"])
            XCTAssertEqual((metrics["deletion"] as? [String: Any])?["scores"].map { ($0 as? [Double])?.count }, 101)
            XCTAssertTrue(metrics["max_sensitivity"] is NSNull, "fast leaves it out")
            XCTAssertNotNil(metrics["randomization"] as? Double, "--sanity ran")
            XCTAssertTrue(entry["layer"] is NSNull)
            XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(entry["map_image"] as? String)))
            let raw = try XCTUnwrap(entry["raw"] as? [String: Any])
            XCTAssertTrue(FileManager.default.fileExists(atPath: try XCTUnwrap(raw["file"] as? String)))
            XCTAssertEqual(raw["shape"] as? [Int], [28, 28])
        }
        let maps = try XCTUnwrap(json["maps"] as? [[String: Any]])
        XCTAssertEqual(maps.map { Set($0.keys) }, Array(repeating: ["method", "image", "target", "layer", "channel"], count: 2))
        XCTAssertEqual(maps.first?["target"] as? Int, 3)
        let sanity = try XCTUnwrap((json["sanity"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(sanity.keys), ["method", "passed", "mean_abs_spearman", "sd_abs_spearman", "draws", "runs", "threshold",
                                          "verdict", "metric", "image", "steps"])
        XCTAssertEqual(sanity["runs"] as? Int, 2)
        XCTAssertEqual((sanity["draws"] as? [Double])?.count, 2)
        let step = try XCTUnwrap((sanity["steps"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(step.keys), ["randomized", "spearman_abs", "spearman_abs_sd", "spearman_signed", "constant_maps"])
        // --json: the run, its maps and the sanity check, on one line.
        let line = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set(line.keys), ["run", "maps", "sanity"])
    }

    func testPerturbationMethodsShowTheirSuperpixelsAndFit() throws {
        let photo = Assets.photo("coffee.png").path
        guard FileManager.default.fileExists(atPath: photo) else { throw XCTSkip("run `make assets`") }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-perturb-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LoupeBinary.run(["attribute", photo, "--model", "fashion-cnn", "--method", "lime,kernelshap,rise", "--samples", "64",
                                     "--segments", "12", "--compactness", "5", "--segment-fill", "gray", "--batch-size", "16",
                                     "--target", "3", "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any])
        let segments = try XCTUnwrap(json["segmentation"] as? String)
        XCTAssertTrue(FileManager.default.fileExists(atPath: segments))
        let settings = try XCTUnwrap(json["settings"] as? [String: Any])
        XCTAssertEqual(settings["segment_fill"] as? String, "gray")
        XCTAssertEqual(settings["samples"] as? Int, 64)
        let figures = try XCTUnwrap((json["attributions"] as? [[String: Any]])?.map { try XCTUnwrap($0["figures"] as? [String: Double]) })
        XCTAssertEqual(figures.count, 3)
        let r2 = try XCTUnwrap(figures[0]["r2"])
        XCTAssertTrue(r2 <= 1 && r2.isFinite, "LIME's weighted R² \(r2)")
        XCTAssertEqual(try XCTUnwrap(figures[1]["attribution_sum"]), try XCTUnwrap(figures[1]["score_difference"]), accuracy: 1e-4)
        XCTAssertEqual(figures[2]["samples"], 64)
        let page = try String(contentsOf: out.appendingPathComponent("index.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("segments.png") && page.contains("SLIC superpixels"))
        // A bad option value is one line and status 2.
        let bad = try LoupeBinary.run(["attribute", photo, "--model", "fashion-cnn", "--method", "lime", "--segment-fill", "median"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--segment-fill"), bad.stderr)
        XCTAssertEqual(bad.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, bad.stderr)
    }

    func testVisualizeResultHasTheDocumentedKeys() throws {
        guard (try? Assets.weights("efficientnet-lite0.pth")) != nil else { throw XCTSkip("run `make assets`") }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-visualize-\(getpid())")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LoupeBinary.run(["visualize", "--objective", "blocks.1:0", "--objective", "class:tabby", "--steps", "2",
                                     "--size", "16", "--param", "pixel", "--out", out.path, "--quiet", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["command", "model", "seed", "settings", "units"])
        let settings = try XCTUnwrap(json["settings"] as? [String: Any])
        XCTAssertEqual(Set(settings.keys), ["steps", "size", "lr", "param", "decay", "decorrelate", "transforms", "l1", "tv",
                                            "blur", "freq", "batch", "diversity", "alpha", "alpha_penalty", "quality_background"])
        XCTAssertEqual(settings["param"] as? String, "pixel")
        XCTAssertTrue(settings["alpha_penalty"] is NSNull && settings["quality_background"] is NSNull)
        let units = try XCTUnwrap(json["units"] as? [[String: Any]])
        XCTAssertEqual(units.count, 2)
        let shown: Set<String> = ["objective", "image", "final_objective", "activation_ratio", "class_probability"]
        for unit in units {
            XCTAssertEqual(Set(unit.keys), shown.union(["objective_per_step", "reference_max"]))
            XCTAssertEqual((unit["objective_per_step"] as? [Double])?.count, 2)
        }
        // Only the blocks.1 unit is not a class: no class probability for the batch.
        XCTAssertTrue(units[0]["class_probability"] is NSNull)
        let line = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(Set(line.keys), ["run", "units"])
        XCTAssertEqual((line["units"] as? [[String: Any]])?.map { Set($0.keys) }, [shown, shown])
    }
}
