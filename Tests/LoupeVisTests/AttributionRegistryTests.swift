import LoupeNN
import LoupeReport
import LoupeTensor
import LoupeVis
import XCTest

/// A method that lives only in this test target: the image itself, summed over channels.
/// Adding a method to Loupe is this much: one type and one registration line.
struct InputAsMap: AttributionMethod {
    let about = AttributionMethodInfo("input", signed: true, "the pixels themselves")

    func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        try context.checkTarget(target)
        return try context.map(self, image, .sum, target: target, score: nil)
    }
}

final class AttributionRegistryTests: XCTestCase {
    func testEveryMethodIsListedOnceAndItsNameRoundTrips() throws {
        let registry = AttributionRegistry.standard
        XCTAssertEqual(registry.names, ["saliency", "gradxinput", "smoothgrad", "ig", "gradcam", "gradcampp", "cam", "hirescam",
                                        "layercam", "scorecam", "ablationcam", "eigencam", "occlusion",
                                        "lime", "kernelshap", "rise", "guided", "deconvnet"])
        XCTAssertEqual(Set(registry.names).count, registry.names.count)
        for name in registry.names {
            XCTAssertEqual(registry.method(named: name)?.name, name)
            XCTAssertEqual(try registry.parse(name.uppercased()).map(\.name), [name])
        }
        XCTAssertEqual(try registry.parse("all").map(\.name), registry.names)
        XCTAssertEqual(try registry.parse("ig, gradcam").map(\.name), ["ig", "gradcam"])
        XCTAssertThrowsError(try registry.parse("saliency,nope")) { error in
            XCTAssertTrue("\(error)".contains("nope") && "\(error)".contains("gradcampp"), "\(error)")
        }
        // Gradient × input, IG, CAM, HiResCAM, occlusion and the perturbation methods keep a sign
        // (each decomposes the logit or its change); the gradient maps are magnitudes, the other
        // CAMs clamped at 0.
        XCTAssertEqual(registry.methods.filter(\.signed).map(\.name),
                       ["gradxinput", "ig", "cam", "hirescam", "occlusion", "lime", "kernelshap", "rise"])
        XCTAssertEqual(Set(registry.methods.map(\.units)).count, registry.names.count - 2,
                       "every method states its own units; guided, deconvnet and the two Grad-CAMs share theirs")
    }

    func testANewMethodIsOneTypeAndOneRegistration() throws {
        let registry = AttributionRegistry.standard.adding(InputAsMap())
        XCTAssertEqual(try registry.parse("all").map(\.name), AttributionRegistry.standard.names + ["input"])
        XCTAssertEqual(registry.adding(InputAsMap()).names.count, registry.names.count, "a name is registered once")
        let method = try XCTUnwrap(registry.method(named: "input"))
        // Summing a 1-channel image over its channels leaves it as it is.
        let image = try Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map { Float($0) / 16 })
        let map = try Attributor(model: try TinyNetworks.linear()).attribute(image, target: 0, method: method)
        XCTAssertEqual(map.values, (0..<16).map { Float($0) / 16 })
        XCTAssertEqual(map.method, "input")
        XCTAssertTrue(map.signed)
        var settings = AttributionSettings()
        settings.methods = ["saliency", "input"]
        XCTAssertNoThrow(try settings.validate(registry: registry))
        XCTAssertThrowsError(try settings.validate())
    }

    func testSettingsValidateInOnePlace() throws {
        var settings = AttributionSettings()
        XCTAssertThrowsError(try settings.validate(), "no method")
        settings.methods = ["gradcam"]
        XCTAssertNoThrow(try settings.validate())
        for change in [{ (s: inout AttributionSettings) in s.samples = 0 }, { $0.steps = 0 }, { $0.patch = 0 },
                       { $0.stride = 0 }, { $0.sigma = -1 }, { $0.batchSize = 0 }, { $0.sanityLayers = 0 }, { $0.sanityRuns = 0 }] {
            var bad = settings
            change(&bad)
            XCTAssertThrowsError(try bad.validate())
        }
    }

    func testSettingsAndResultRoundTripThroughJSON() throws {
        var settings = AttributionSettings()
        (settings.methods, settings.target, settings.baseline, settings.fill) = (["ig", "occlusion"], "tabby", .blur(sigma: 4), .constant(0.25))
        (settings.colormap, settings.sanity, settings.sanityLayers, settings.sanityRuns) = (.viridis, true, 2, 3)
        settings.integration = .gausslegendre
        XCTAssertEqual(try ResultJSON.decode(AttributionSettings.self, from: try ResultJSON.encode(settings)), settings)

        let json = """
        {"command": "loupe attribute x.png --method ig", "model": "m", "image": "x.png",
         "target": {"index": 3, "name": "cat"},
         "settings": {"samples": 50, "sigma": 0.15, "steps": 64, "integration": "gausslegendre", "baseline": "black",
                      "patch": 32, "stride": 16, "fill": "gray", "segments": 50, "compactness": 10, "segment_fill": "mean",
                      "mask_grid": 7, "mask_probability": 0.5, "seed": 0},
         "attributions": [{"method": "ig", "image": "/r/ig.png", "map_image": "/r/ig-map.png", "signed": true,
                           "layer": null, "peak": {"x": 1, "y": 2}, "figures": {"completeness_error": 0.01},
                           "raw": {"file": "/r/ig.npy", "shape": [224, 224], "dtype": "float32", "units": "logit units",
                                   "png_scale": {"colormap": "diverging", "low": -0.5, "high": 0.5, "rule": "symmetric"}},
                           "metrics": null}],
         "maps": [{"method": "ig", "image": "/r/ig.png", "target": 3, "layer": null, "channel": null}],
         "sanity": [{"method": "ig", "passed": null, "mean_abs_spearman": null, "sd_abs_spearman": null, "draws": [],
                     "runs": 2, "threshold": 0.5, "verdict": "v", "metric": "m", "image": "/r/sanity-ig.png",
                     "steps": [{"randomized": "fc", "spearman_abs": 0.25, "spearman_abs_sd": 0.125, "spearman_signed": null,
                                "constant_maps": 1}]}],
         "segmentation": null, "faithfulness": null}
        """
        let result = try ResultJSON.decode(AttributionResult.self, from: Data(json.utf8))
        XCTAssertEqual(result.settings.baseline, .black)
        XCTAssertEqual(result.settings.integration, .gausslegendre)
        XCTAssertEqual(result.attributions.first?.raw.pngScale.high, 0.5)
        XCTAssertEqual(result.attributions.first?.peak, PixelPoint(x: 1, y: 2))
        XCTAssertEqual(result.sanity?.first?.steps.first?.spearmanAbs, 0.25)
        let again = try JSONSerialization.jsonObject(with: try ResultJSON.encode(result)) as? NSDictionary
        let original = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary
        XCTAssertEqual(again, original)
    }
}
