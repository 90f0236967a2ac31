import LoupeNN
import LoupeReport

/// What `loupe train --json` prints: the checkpoint, every epoch so far, the last
/// accuracy (held-out when there was held-out data) and the last throughput. A VAE has
/// no accuracy (null); its epochs carry the ELBO instead (nats per image, higher is better).
public struct TrainResult: Codable, Sendable, Equatable {
    public struct Epoch: Codable, Sendable, Equatable {
        public var epoch: Int
        public var loss, seconds: Double
        @EncodedNull public var accuracy: Double?
        @EncodedNull public var testAccuracy: Double?
        /// A VAE's ELBO = −loss on the training batches, and on the held-out data.
        public var elbo, testELBO: Double?

        enum CodingKeys: String, CodingKey {
            case epoch, loss, accuracy, seconds, elbo
            case testAccuracy = "test_accuracy", testELBO = "test_elbo"
        }

        init(_ e: Trainer.EpochResult, generative: Bool) {
            (epoch, loss, accuracy, seconds, testAccuracy) = (e.epoch, e.loss, e.accuracy, e.seconds, e.testAccuracy)
            if generative { (elbo, testELBO) = (-e.loss, e.testLoss.map { -$0 }) }
        }
    }

    public var out: String
    public var epochs: [Epoch]
    @EncodedNull public var accuracy: Double?
    /// A VAE's last ELBO (held-out when there was held-out data); absent for a classifier.
    public var elbo: Double?
    public var imagesPerSecond: Double
    /// Stopped early by a request (Ctrl-C, SIGTERM); the checkpoint holds the batch in flight.
    public var interrupted = false

    enum CodingKeys: String, CodingKey {
        case out, epochs, accuracy, elbo
        case imagesPerSecond = "images_per_second"
    }

    /// `objective` is the trainer's (`Trainer.Objective.name`): anything but cross-entropy
    /// reports its loss as an ELBO.
    init(out: String, objective: String = Trainer.Objective.crossEntropy.name, history: [Trainer.EpochResult],
         imagesPerSecond: Double, interrupted: Bool) {
        let generative = objective == Trainer.Objective.negativeELBO.name
        (self.out, self.imagesPerSecond, self.interrupted) = (out, imagesPerSecond, interrupted)
        epochs = history.map { Epoch($0, generative: generative) }
        accuracy = history.last.flatMap { $0.testAccuracy ?? $0.accuracy }
        if generative { elbo = epochs.last.flatMap { $0.testELBO ?? $0.elbo } }
    }

    /// Whether this is a generator's run (ELBO) rather than a classifier's (accuracy).
    public var generative: Bool { epochs.contains { $0.elbo != nil } }
}
