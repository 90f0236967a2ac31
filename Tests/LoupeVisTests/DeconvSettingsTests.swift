import LoupeReport
import LoupeVis
import XCTest

final class DeconvSettingsTests: XCTestCase {
    func testSettingsValidateInOnePlace() throws {
        var settings = DeconvSettings()
        XCTAssertThrowsError(try settings.validate(), "no layer")
        settings.layer = "blocks.10"
        XCTAssertNoThrow(try settings.validate())
        for change in [{ (s: inout DeconvSettings) in (s.channel, s.topChannels) = (1, 2) }, { $0.channel = -1 },
                       { $0.topChannels = 0 }, { $0.rules = [] }] {
            var bad = settings
            change(&bad)
            XCTAssertThrowsError(try bad.validate())
        }
    }

    func testSettingsAndResultRoundTripThroughJSON() throws {
        var settings = DeconvSettings()
        (settings.layer, settings.topChannels, settings.rules, settings.keep) = ("blocks.5", 4, [.guided, .gradient], .map)
        XCTAssertEqual(try ResultJSON.decode(DeconvSettings.self, from: try ResultJSON.encode(settings)), settings)
        let json = """
        {"command": "loupe deconv x.png --layer blocks.10", "model": "m", "image": "x.png", "layer": "blocks.10",
         "keep": "unit", "rules": ["deconvnet", "guided"],
         "reconstructions": [{"rule": "guided", "channel": 7, "activation": 35.5, "image": "/r/guided-c7.png",
                              "unit": {"x": 10, "y": 5}, "crop": {"x": 0, "y": 0, "side": 224, "image": "/r/guided-c7-crop.png"}},
                             {"rule": "deconvnet", "channel": 3, "activation": 2.5, "image": "/r/deconvnet-c3.png", "unit": null}],
         "maps": [{"method": "guided", "image": "/r/guided-c7.png", "target": null, "layer": "blocks.10", "channel": 7}],
         "sanity": null}
        """
        let result = try ResultJSON.decode(DeconvResult.self, from: Data(json.utf8))
        XCTAssertEqual(result.reconstructions.first?.unit, PixelPoint(x: 10, y: 5))
        XCTAssertEqual(result.rules, [.deconvnet, .guided])
        let again = try JSONSerialization.jsonObject(with: try ResultJSON.encode(result)) as? NSDictionary
        XCTAssertEqual(again, try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary)
    }
}
