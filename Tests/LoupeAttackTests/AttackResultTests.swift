import Foundation
@testable import LoupeAttack
import LoupeData
import LoupeNN
import XCTest

/// `loupe attack`'s result.json and `--json` keep the keys the README and scripts read,
/// and the result survives a JSON round trip.
final class AttackResultTests: XCTestCase {
    /// An untargeted FGSM that flipped class 3 to 5 at its only step, written by hand.
    func result() -> AttackResult {
        var settings = AttackSettings()
        (settings.method, settings.eps) = (.fgsm, 0.25)
        let top = { (i: Int, p: Float) in AdversarialExample.Top(top: [Prediction(index: i, name: "c\(i)", logit: 2, probability: p)]) }
        let example = AdversarialExample(
            image: "a.png", model: "m", settings: .init(settings.config), trueClass: 3, target: nil,
            before: top(3, 0.9), after: top(5, 0.6), linf: 0.25, l2: 1.5, success: true, successBeforeQuantization: true,
            flipStep: 1, seconds: 0.5,
            trajectory: [.init(step: 0, loss: 0.1, trueProbability: 0.9, targetProbability: nil, predicted: 3),
                         .init(step: 1, loss: 2.0, trueProbability: 0.2, targetProbability: nil, predicted: 5)],
            linfBeforeRounding: 0.25, roundingWarning: nil)
        return AttackResult(files: .init(run: "/r", original: "/r/original.png", adversarial: "/r/adversarial.png",
                                         perturbation: "/r/perturbation.png"),
                            command: "loupe attack a.png --method fgsm --eps 0.25", example: example)
    }

    func object(_ value: some Encodable) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(value)) as? [String: Any])
    }

    func testResultKeysAreTheDocumentedOnes() throws {
        let full = try object(result())
        XCTAssertEqual(Set(full.keys), ["run", "image", "original", "adversarial", "perturbation", "before", "after", "linf", "l2",
                                        "success", "command", "model", "settings", "true_class", "target",
                                        "success_before_quantization", "flip_step", "seconds", "trajectory",
                                        "linf_before_rounding", "rounding_warning"])
        XCTAssertTrue(full["rounding_warning"] is NSNull)
        let settings = try XCTUnwrap(full["settings"] as? [String: Any])
        XCTAssertEqual(Set(settings.keys), ["method", "norm", "eps", "alpha", "steps", "restarts", "loss", "early_stop", "seed"])
        // FGSM takes one step of size ε.
        XCTAssertEqual(settings["steps"] as? Int, 1)
        XCTAssertEqual(settings["alpha"] as? Double, 0.25)
        XCTAssertTrue(full["target"] is NSNull, "an untargeted attack writes target: null")
        XCTAssertEqual(full["flip_step"] as? Int, 1)
        let step = try XCTUnwrap((full["trajectory"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(step.keys), ["step", "loss", "true_probability", "target_probability", "predicted"])
        XCTAssertTrue(step["target_probability"] is NSNull)
        XCTAssertEqual(Set(try XCTUnwrap((full["before"] as? [String: Any])?["top"] as? [[String: Any]]).first?.keys ?? [:].keys),
                       ["index", "name", "logit", "probability"])

        let brief = try object(result().brief)
        XCTAssertEqual(Set(brief.keys), ["run", "image", "original", "adversarial", "perturbation", "before", "after", "linf", "l2", "success"])
    }

    func testResultRoundTrips() throws {
        let r = result()
        XCTAssertEqual(try JSONDecoder().decode(AttackResult.self, from: try JSONEncoder().encode(r)), r)
    }

    func testSettingsValidateInOnePlace() throws {
        var s = AttackSettings()
        s.method = .apgd
        s.alpha = 0.01
        XCTAssertThrowsError(try s.validate(), "apgd chooses its own step size")
        s = AttackSettings()
        (s.method, s.loss) = (.cw, .ce)
        XCTAssertThrowsError(try s.validate(), "cw keeps its margin loss")
        s = AttackSettings()
        (s.method, s.norm) = (.fgsm, .l2)
        XCTAssertThrowsError(try s.validate(), "fgsm is an L∞ attack")
        XCTAssertNoThrow(try AttackSettings().validate())
        XCTAssertEqual(try JSONDecoder().decode(AttackSettings.self, from: try JSONEncoder().encode(s)), s)
    }

    /// ε below one 8-bit level: the float attack moves pixels, the saved image cannot. The
    /// example says so (result.json, page, terminal) with both L∞ figures; at ε = 2/255 the
    /// saved image keeps its 2 levels and there is no warning.
    func testRoundingBelowOneLevelIsReported() throws {
        let model = try Fixtures.linearImageModel(channels: 1, size: 4, weights: [[Float](repeating: 0.5, count: 16),
                                                                                 [Float](repeating: -0.5, count: 16)], bias: [0, 0])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-rounding-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let png = try Image(width: 4, height: 4, channels: 1, pixels: (0..<16).map { UInt8(100 + $0 * 3) }).pngData()
        try Data(png).write(to: URL(fileURLWithPath: path))
        var settings = AttackSettings()
        (settings.method, settings.eps) = (.fgsm, 0.003)
        let (tiny, original, adversarial) = try AdversarialExample.make(path, model: model, settings: settings)
        XCTAssertEqual(adversarial.scalars, original.scalars, "the saved image is the original")
        XCTAssertEqual(tiny.linf, 0)
        XCTAssertEqual(tiny.linfBeforeRounding, 0.003, accuracy: 1e-6)
        let warning = try XCTUnwrap(tiny.roundingWarning)
        XCTAssertTrue(warning.contains("ε = 0.003 is below one 8-bit level"), warning)
        XCTAssertEqual(tiny.roundingLine, "saved image: L∞ 0/255 = 0.0000 after 8-bit rounding (float attack 0.0030 = 0.77/255)")
        let page = AttackReport.page(tiny, labels: model.preset.labels, plot: AttackReport.trajectoryPlot(tiny, labels: model.preset.labels),
                                     pixelated: true, command: "loupe attack")
        XCTAssertTrue(page.contains("the saved image differs from the original"))
        XCTAssertTrue(page.contains("Saved image: L∞ 0/255"))

        settings.eps = 2 / 255
        let (fine, _, _) = try AdversarialExample.make(path, model: model, settings: settings)
        XCTAssertNil(fine.roundingWarning)
        XCTAssertEqual(fine.linf * 255, 2, accuracy: 1e-4)
    }
}
