import Foundation
@testable import LoupeAttack
import LoupeNN
import XCTest

/// `loupe train --json` keeps the documented keys: {"out", "epochs": [...], "accuracy",
/// "images_per_second"}, each epoch with its test accuracy (null without held-out data).
final class TrainResultTests: XCTestCase {
    func result() -> TrainResult {
        TrainResult(out: "m.safetensors", history: [
            Trainer.EpochResult(epoch: 1, loss: 0.5, accuracy: 0.8, seconds: 10, testAccuracy: 0.75),
            Trainer.EpochResult(epoch: 2, loss: 0.25, accuracy: 0.9, seconds: 10),
        ], imagesPerSecond: 600, interrupted: false)
    }

    func testKeysAreTheDocumentedOnes() throws {
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(result())) as? [String: Any])
        XCTAssertEqual(Set(json.keys), ["out", "epochs", "accuracy", "images_per_second"])
        let epochs = try XCTUnwrap(json["epochs"] as? [[String: Any]])
        XCTAssertEqual(Set(epochs[0].keys), ["epoch", "loss", "accuracy", "seconds", "test_accuracy"])
        XCTAssertTrue(epochs[1]["test_accuracy"] is NSNull)
        // The last epoch had no held-out data, so its training accuracy is reported.
        XCTAssertEqual(json["accuracy"] as? Double, 0.9)
    }

    func testRoundTrips() throws {
        XCTAssertEqual(try JSONDecoder().decode(TrainResult.self, from: try JSONEncoder().encode(result())), result())
        var s = TrainSettings()
        (s.out, s.schedule, s.optimizer) = ("m.safetensors", .cosine(epochs: 0), .sgd)
        s.adversarial = TrainSettings.Adversarial(method: .fgsm)
        XCTAssertEqual(try JSONDecoder().decode(TrainSettings.self, from: try JSONEncoder().encode(s)), s)
    }

    func testSettingsRefuseWhatCannotRun() {
        var s = TrainSettings()
        XCTAssertThrowsError(try s.validate(), "a fresh run needs --out")
        s.out = "m.pth"
        XCTAssertThrowsError(try s.validate(), "checkpoints are .safetensors")
        (s.out, s.arch, s.spec) = ("m.safetensors", "fashion-cnn", "a.yaml")
        XCTAssertThrowsError(try s.validate())
        s.spec = nil
        XCTAssertNoThrow(try s.validate())
        // Defaults of a fresh run: Adam at 1e-3, SGD at 0.05, 5 epochs of 128.
        XCTAssertEqual(s.freshConfig.learningRate, 1e-3)
        s.optimizer = .sgd
        XCTAssertEqual(s.freshConfig.learningRate, 0.05)
        XCTAssertEqual([s.freshConfig.epochs, s.freshConfig.batchSize], [5, 128])
    }
}
