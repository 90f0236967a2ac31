import LoupeNN
import LoupeReport

/// What `loupe train --json` prints: the checkpoint, every epoch so far, the last
/// accuracy (held-out when there was held-out data) and the last throughput.
public struct TrainResult: Codable, Sendable, Equatable {
    public struct Epoch: Codable, Sendable, Equatable {
        public var epoch: Int
        public var loss, accuracy, seconds: Double
        @EncodedNull public var testAccuracy: Double?

        enum CodingKeys: String, CodingKey {
            case epoch, loss, accuracy, seconds
            case testAccuracy = "test_accuracy"
        }

        init(_ e: Trainer.EpochResult) {
            (epoch, loss, accuracy, seconds, testAccuracy) = (e.epoch, e.loss, e.accuracy, e.seconds, e.testAccuracy)
        }
    }

    public var out: String
    public var epochs: [Epoch]
    @EncodedNull public var accuracy: Double?
    public var imagesPerSecond: Double
    /// Stopped early by a request (Ctrl-C, SIGTERM); the checkpoint holds the batch in flight.
    public var interrupted = false

    enum CodingKeys: String, CodingKey {
        case out, epochs, accuracy
        case imagesPerSecond = "images_per_second"
    }

    init(out: String, history: [Trainer.EpochResult], imagesPerSecond: Double, interrupted: Bool) {
        (self.out, epochs, self.imagesPerSecond, self.interrupted) = (out, history.map(Epoch.init), imagesPerSecond, interrupted)
        accuracy = history.last.map { $0.testAccuracy ?? $0.accuracy }
    }
}
