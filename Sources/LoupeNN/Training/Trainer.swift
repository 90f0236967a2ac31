import Foundation
import LoupeData
import LoupeTensor

/// Supervised training with cross-entropy, the loop shared by `loupe train` and
/// adversarial training (which supplies `transform` to perturb each batch first).
/// Everything random is keyed by (seed, epoch, batch), so a run resumed from a
/// checkpoint continues exactly as if it had not stopped.
public final class Trainer {
    public enum OptimizerKind: String, Sendable, CaseIterable { case sgd, adam }

    public struct Config {
        public var epochs = 5
        public var batchSize = 128
        public var optimizer = OptimizerKind.adam
        public var learningRate: Float = 1e-3
        public var momentum: Float = 0.9
        public var weightDecay: Float = 0
        public var schedule = LearningRateSchedule.constant
        public var seed: UInt64 = 0
        public init() {}
    }

    /// What the progress callback sees after each batch.
    public struct Progress {
        public let epoch, epochs, batch, batches: Int
        public let loss: Double
        /// Nil for a model that does not classify (a VAE).
        public let accuracy: Double?
        public let imagesPerSecond: Double
    }

    public struct EpochResult: Codable, Equatable {
        public let epoch: Int
        /// Mean training loss and accuracy over the epoch (on the transformed batches);
        /// accuracy is nil for a model that does not classify (a VAE).
        public let loss: Double
        public let accuracy: Double?
        public let seconds: Double
        /// Accuracy on the validation data, when `train` was given some and the model classifies.
        public var testAccuracy: Double?
        /// Mean loss on the validation data, for models that do not classify.
        public var testLoss: Double?

        public init(epoch: Int, loss: Double, accuracy: Double?, seconds: Double, testAccuracy: Double? = nil,
                    testLoss: Double? = nil) {
            (self.epoch, self.loss, self.accuracy, self.seconds) = (epoch, loss, accuracy, seconds)
            (self.testAccuracy, self.testLoss) = (testAccuracy, testLoss)
        }

        enum CodingKeys: String, CodingKey {
            case epoch, loss, accuracy, seconds
            case testAccuracy = "test_accuracy", testLoss = "test_loss"
        }
    }

    /// An epoch stopped between two batches (Ctrl-C, a cluster's SIGTERM): where it was
    /// and its running sums, so a resumed run finishes it with the same result.
    public struct PartialEpoch: Codable, Equatable, Sendable {
        /// Index of the epoch in flight (0-based) and batches of it already done.
        public var epoch, batches: Int
        public var lossSum: Double
        public var correct, seen: Int
        public var seconds: Double

        public init(epoch: Int, batches: Int, lossSum: Double, correct: Int, seen: Int, seconds: Double) {
            (self.epoch, self.batches, self.lossSum, self.correct, self.seen, self.seconds) =
                (epoch, batches, lossSum, correct, seen, seconds)
        }
    }

    public let model: Model
    public let config: Config
    public let optimizer: Optimizer
    let parameters: [Parameter]
    /// Epochs already completed (after a resume).
    public private(set) var completedEpochs = 0
    /// The epoch `train` stopped in when `shouldStop` said so (nil after a full run), or
    /// the one a resume continues.
    public private(set) var partial: PartialEpoch?
    /// What each batch minimizes (cross-entropy unless the model is a VAE).
    public var objective: Objective
    /// Optional per-batch transform (e.g. a PGD attack) applied before the update.
    public var transform: ((_ images: Tensor, _ labels: [Int], _ stream: RandomStream) throws -> Tensor)?

    public init(model: Model, config: Config) {
        self.model = model
        self.config = config
        objective = .of(model)
        parameters = model.network.namedParameters().map(\.1)
        switch config.optimizer {
        case .sgd: optimizer = SGD(parameters, learningRate: config.learningRate, momentum: config.momentum,
                                   weightDecay: config.weightDecay)
        case .adam: optimizer = Adam(parameters, learningRate: config.learningRate, weightDecay: config.weightDecay)
        }
    }

    /// Restores optimizer state and the epoch counter (and the epoch in flight, for a
    /// checkpoint saved between two batches) from a checkpoint.
    public func resume(completedEpochs: Int, partial: PartialEpoch? = nil, optimizerState: [String: Tensor]) throws {
        if let partial, partial.epoch != completedEpochs {
            throw ModelError.invalid("the checkpoint's epoch in flight (\(partial.epoch + 1)) does not follow its \(completedEpochs) completed epochs")
        }
        try optimizer.load(state: optimizerState)
        self.completedEpochs = completedEpochs
        self.partial = partial
    }

    /// The order in which epoch `epoch` visits the samples: a keyed Fisher–Yates shuffle.
    public static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var order = Array(0..<count)
        let stream = RandomStream(seed: seed, key: [0x5348_5546, UInt64(epoch)])
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(stream.bits(at: UInt64(i)) % UInt64(i + 1))
            order.swapAt(i, j)
        }
        return order
    }

    /// Trains up to `config.epochs` (counting epochs already done), or only up to epoch
    /// `until` (a run to be resumed later: the schedule still spans `config.epochs`).
    /// Calls `progress` after every batch and `epochDone` after every epoch (to
    /// checkpoint); with `validation`, each epoch's result carries its accuracy there.
    /// When `shouldStop` turns true, training stops after the batch in flight and
    /// `partial` says where (checkpoint it to lose nothing).
    public func train(
        on data: LabeledImages, until: Int? = nil, validation: LabeledImages? = nil,
        shouldStop: () -> Bool = { false },
        progress: (Progress) -> Void = { _ in }, epochDone: (EpochResult) throws -> Void = { _ in }
    ) throws -> [EpochResult] {
        guard data.count > 0 else { throw ModelError.invalid("\(data.source): no training images") }
        guard config.batchSize > 0 else { throw ModelError.invalid("batch size must be positive, got \(config.batchSize)") }
        model.network.setTrainable(true)
        defer { model.network.setTrainable(false) }
        var results: [EpochResult] = []
        let batches = (data.count + config.batchSize - 1) / config.batchSize
        let last = min(until ?? config.epochs, config.epochs)
        let schedule = config.schedule.spanning(config.epochs)
        while completedEpochs < last {
            let epoch = completedEpochs
            let order = Trainer.permutation(count: data.count, seed: config.seed, epoch: epoch)
            // A resumed epoch picks up its running sums and clock where it stopped.
            let resumed = partial
            partial = nil
            let start = Date(timeIntervalSinceNow: -(resumed?.seconds ?? 0))
            var (lossSum, correct, seen) = (resumed?.lossSum ?? 0, resumed?.correct ?? 0, resumed?.seen ?? 0)
            for b in (resumed?.batches ?? 0)..<batches {
                optimizer.learningRate = schedule.rate(
                    base: config.learningRate, at: Double(epoch) + Double(b) / Double(batches))
                let indices = Array(order[(b * config.batchSize)..<min((b + 1) * config.batchSize, data.count)])
                var (images, labels) = try data.batch(indices)
                let stream = RandomStream(seed: config.seed, key: [UInt64(epoch), UInt64(b)])
                if let transform {
                    model.network.setTrainable(false)
                    images = try transform(images, labels, stream.derived(1))
                    model.network.setTrainable(true)
                }
                optimizer.zeroGrad(parameters)
                let (loss, right) = try objective.batch(model, images, labels, stream.derived(2))
                try loss.backward()
                try optimizer.step()
                correct += right ?? 0
                lossSum += Double(try loss.item) * Double(labels.count)
                seen += labels.count
                progress(Progress(epoch: epoch + 1, epochs: config.epochs, batch: b + 1, batches: batches,
                                  loss: lossSum / Double(seen), accuracy: objective.classifies ? Double(correct) / Double(seen) : nil,
                                  imagesPerSecond: Double(seen) / max(Date().timeIntervalSince(start), 1e-9)))
                if b + 1 < batches, shouldStop() {
                    partial = PartialEpoch(epoch: epoch, batches: b + 1, lossSum: lossSum, correct: correct, seen: seen,
                                           seconds: Date().timeIntervalSince(start))
                    return results
                }
            }
            completedEpochs += 1
            var result = EpochResult(epoch: completedEpochs, loss: lossSum / Double(max(seen, 1)),
                                     accuracy: objective.classifies ? Double(correct) / Double(max(seen, 1)) : nil,
                                     seconds: Date().timeIntervalSince(start))
            if let validation {
                model.network.setTrainable(false)
                (result.testAccuracy, result.testLoss) = try objective.heldOut(model, validation)
                model.network.setTrainable(true)
            }
            results.append(result)
            try epochDone(result)
            if completedEpochs < last, shouldStop() { return results }
        }
        return results
    }

    /// Accuracy, per-class accuracy and the confusion matrix (rows: true class).
    public static func evaluate(
        _ model: Model, on data: LabeledImages, batchSize: Int = 256, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Evaluation {
        let k = data.classes.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var start = 0
        while start < data.count {
            let indices = Array(start..<min(start + batchSize, data.count))
            let (images, labels) = try data.batch(indices)
            let logits = try model.logits(images)
            guard logits.rank == 2, logits.shape[1] == k else {
                throw ModelError.invalid(
                    "\(model.name) outputs \(logits.shape.dropFirst().map(String.init).joined(separator: "×")) values per image but \(data.source) has \(k) classes")
            }
            for (p, l) in zip(try logits.argmax(), labels) { confusion[l][p] += 1 }
            start += batchSize
            progress(min(start, data.count), data.count)
        }
        return Evaluation(confusion: confusion, classes: data.classes)
    }
}

public struct Evaluation {
    public let confusion: [[Int]]
    public let classes: [String]
    public init(confusion: [[Int]], classes: [String]) { (self.confusion, self.classes) = (confusion, classes) }
    public var n: Int { confusion.joined().reduce(0, +) }
    public var accuracy: Double { Double(confusion.indices.map { confusion[$0][$0] }.reduce(0, +)) / Double(max(n, 1)) }
    public var perClass: [Double] {
        confusion.indices.map { i in Double(confusion[i][i]) / Double(max(confusion[i].reduce(0, +), 1)) }
    }
}
