import Foundation
import LoupeNN
import XCTest

final class VisualizeAlphaTests: XCTestCase {
    func testAlphaWritesRGBAUnitsAnOpaqueSheetAndRecordsTheSettings() throws {
        guard (try? Assets.weights("efficientnet-lite0.pth")) != nil else { throw XCTSkip("run `make assets`") }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-alpha-\(getpid())")
        try? FileManager.default.removeItem(at: out)
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try LoupeBinary.run(["visualize", "--objective", "blocks.1:0", "--steps", "2", "--size", "16", "--alpha",
                                     "--alpha-penalty", "0.5", "--out", out.path, "--quiet", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // PNG IHDR colour type (byte 25): 6 is RGBA, 2 is RGB.
        let unit = try [UInt8](Data(contentsOf: out.appendingPathComponent("unit-00.png")))
        XCTAssertEqual(unit[25], 6)
        let sheet = try [UInt8](Data(contentsOf: out.appendingPathComponent("contact-sheet.png")))
        XCTAssertEqual(sheet[25], 2)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("result.json"))) as? [String: Any]
        let settings = try XCTUnwrap(json?["settings"] as? [String: Any])
        XCTAssertEqual(settings["alpha"] as? Bool, true)
        XCTAssertEqual(settings["alpha_penalty"] as? Double, 0.5)
        XCTAssertEqual(settings["quality_background"] as? Double, 0.5)
        let units = try XCTUnwrap(json?["units"] as? [[String: Any]])
        let meanAlpha = try XCTUnwrap(units.first?["mean_alpha"] as? Double)
        XCTAssertTrue(meanAlpha > 0 && meanAlpha < 1, "\(meanAlpha)")
    }

    func testAlphaOptionErrorsExitTwo() throws {
        for args in [["visualize", "--objective", "blocks.1:0", "--alpha-penalty", "0.5"],
                     ["visualize", "--objective", "blocks.1:0", "--alpha", "--alpha-penalty", "2"]] {
            let r = try LoupeBinary.run(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("--alpha"), r.stderr)
        }
        let help = try LoupeBinary.run(["visualize", "--help"])
        XCTAssertTrue(help.stdout.contains("--alpha-penalty"), help.stdout)
    }
}
