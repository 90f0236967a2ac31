import LoupeReport
import LoupeVis
import XCTest

final class VisualizeSettingsTests: XCTestCase {
    func testChannelListsReadRangesAndLists() {
        XCTAssertEqual(VisualizeSettings.channels("0-3"), [0, 1, 2, 3])
        XCTAssertEqual(VisualizeSettings.channels("3,7,9"), [3, 7, 9])
        XCTAssertEqual(VisualizeSettings.channels("1, 4-5"), [1, 4, 5])
        for bad in ["", "3-x", "5-2", "-3", "a"] { XCTAssertNil(VisualizeSettings.channels(bad), bad) }
    }

    func testSettingsValidateAndMapOntoTheOptimizer() throws {
        var settings = VisualizeSettings()
        XCTAssertThrowsError(try settings.validate(), "no objective")
        settings.objectives = ["blocks.8:12"]
        XCTAssertNoThrow(try settings.validate())
        for change in [{ (s: inout VisualizeSettings) in s.steps = 0 }, { $0.size = 7 }, { $0.batch = 0 }, { $0.lr = 0 },
                       { $0.alphaPenalty = 1.5 }, { $0.channels = [] }] {
            var bad = settings
            change(&bad)
            XCTAssertThrowsError(try bad.validate())
        }
        (settings.param, settings.decay, settings.transforms, settings.tv) = (.fft, 0.5, .none, 0.25)
        let v = settings.visualization
        XCTAssertEqual(v.basis, .fourier(decay: 0.5))
        XCTAssertTrue(v.transforms.isEmpty)
        XCTAssertEqual(v.regularizers.map(\.weight), [0.25], "zero-weight penalties are left out")
    }

    func testSettingsAndResultRoundTripThroughJSON() throws {
        var settings = VisualizeSettings()
        (settings.objectives, settings.channels, settings.param, settings.optimizer) = (["blocks.8"], [0, 3], .pixel, .sgd)
        (settings.alpha, settings.alphaPenalty, settings.snapshots) = (true, 0.5, [32, 128])
        XCTAssertEqual(try ResultJSON.decode(VisualizeSettings.self, from: try ResultJSON.encode(settings)), settings)

        let json = """
        {"command": "loupe visualize --objective blocks.1:0", "model": "m", "seed": 0,
         "settings": {"steps": 2, "size": 16, "lr": 0.05, "param": "fft", "decay": 1, "decorrelate": true,
                      "transforms": "standard", "l1": 0, "tv": 0, "blur": 0, "freq": 0, "batch": 1, "diversity": 0,
                      "alpha": true, "alpha_penalty": 0.5, "quality_background": 0.5},
         "units": [{"objective": "blocks.1:0", "image": "/r/unit-00.png", "final_objective": 1.5,
                    "activation_ratio": null, "class_probability": null, "mean_alpha": 0.25,
                    "objective_per_step": [0.5, 1.5], "reference_max": -2}]}
        """
        let result = try ResultJSON.decode(VisualizeResult.self, from: Data(json.utf8))
        XCTAssertEqual(result.units.first?.unit.meanAlpha, 0.25)
        XCTAssertEqual(result.units.first?.referenceMax, -2)
        XCTAssertNil(result.units.first?.unit.activationRatio)
        let again = try JSONSerialization.jsonObject(with: try ResultJSON.encode(result)) as? NSDictionary
        XCTAssertEqual(again, try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary)
    }
}
