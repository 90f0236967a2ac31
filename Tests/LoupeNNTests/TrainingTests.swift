import Foundation
import LoupeAttack
import LoupeData
import LoupeTensor
import LoupeTesting
@testable import LoupeNN
import XCTest

/// Fashion-MNIST, loaded once for every training test (make test installs it).
enum FashionMNIST {
    static let train = Result { try IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: "train") }
    static let test = Result { try IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: "test") }
}

final class TrainingTests: XCTestCase {
    /// A small net with every stateful and random layer: batch norm's running statistics
    /// and dropout's masks must both survive a checkpoint for resume to be exact.
    static let smallSpec = """
        name: small
        input: {channels: 1, size: 28}
        classes: fashion-mnist
        layers:
          - conv: {out: 8, kernel: 3, padding: 1}
          - batchnorm
          - relu
          - maxpool: {kernel: 2}
          - flatten
          - dropout: {p: 0.25}
          - linear: {out: 10}
        """

    func weights(_ model: Model) -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: model.network.stateDict().map { ($0.0, $0.1.value.scalars) })
    }

    /// The CI training test: a 2,000-image subset is enough to pass 70% on held-out images.
    func testTrainingOnASubsetLearns() throws {
        let train = try FashionMNIST.train.get().prefix(2000)
        let test = try FashionMNIST.test.get().prefix(1000)
        let model = try Zoo.architecture("fashion-cnn", seed: 1)
        let before = try Trainer.evaluate(model, on: test).accuracy
        var config = Trainer.Config()
        config.epochs = 2
        config.batchSize = 32
        config.seed = 1
        let trainer = Trainer(model: model, config: config)
        var losses: [Double] = []
        let results = try trainer.train(on: train, progress: { if $0.batch == 1 || $0.batch == $0.batches { losses.append($0.loss) } })
        let after = try Trainer.evaluate(model, on: test)
        XCTAssertLessThan(before, 0.3, "an untrained net should be near chance")
        XCTAssertGreaterThanOrEqual(after.accuracy, 0.70, "test accuracy \(after.accuracy)")
        XCTAssertEqual(after.n, 1000)
        XCTAssertEqual(results.map(\.epoch), [1, 2])
        XCTAssertLessThan(results[1].loss, results[0].loss)
        XCTAssertEqual(trainer.completedEpochs, 2)
        // Parameters stay frozen after training, so attacks and visualizations cost no weight gradients.
        XCTAssertTrue(model.network.namedParameters().allSatisfy { !$0.1.value.requiresGrad })
    }

    /// 2 epochs straight equal 1 epoch, a checkpoint on disk, a resume and 1 more epoch,
    /// bit for bit, for both optimizers and a cosine schedule that spans the 2 epochs.
    func testResumeFromACheckpointIsBitIdentical() throws {
        let data = try FashionMNIST.train.get().prefix(320)
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try SequentialSpec.parse(Self.smallSpec)
        for optimizer in Trainer.OptimizerKind.allCases {
            var config = Trainer.Config()
            config.epochs = 2
            config.batchSize = 64
            config.optimizer = optimizer
            config.learningRate = optimizer == .adam ? 1e-3 : 0.05
            config.weightDecay = 1e-4
            config.schedule = .cosine(epochs: 0)
            config.seed = 11

            let straight = try spec.build(seed: 3)
            let straightHistory = try Trainer(model: straight, config: config).train(on: data)

            let first = try spec.build(seed: 3)
            let firstTrainer = Trainer(model: first, config: config)
            let history = try firstTrainer.train(on: data, until: 1)
            XCTAssertEqual(history.count, 1)
            let path = dir.appendingPathComponent("\(optimizer).safetensors").path
            let info = TrainedModelFile(architecture: nil, spec: Self.smallSpec, preset: first.preset, config: config,
                                        adversarial: nil, data: "fashion-mnist", history: history)
            try info.save(model: first, optimizerState: firstTrainer.optimizer.state(), to: path)

            let sidecar = try TrainedModelFile.readSidecar(for: path)
            let resumed = try TrainedModelFile.load(path: path)
            let resumedTrainer = Trainer(model: resumed, config: try sidecar.trainingConfig())
            try resumedTrainer.resume(completedEpochs: sidecar.epochs,
                                      optimizerState: try TrainedModelFile.loadOptimizerState(for: path))
            let rest = try resumedTrainer.train(on: data)
            XCTAssertEqual(rest.map(\.epoch), [2])
            XCTAssertEqual(rest[0].loss, straightHistory[1].loss, "\(optimizer)")
            XCTAssertEqual(weights(resumed), weights(straight), "\(optimizer): resumed weights differ")
        }
    }

    /// Ctrl-C mid-epoch: training stops after the batch in flight, the checkpoint records
    /// where, and a resumed run finishes that epoch and the next exactly as a run that was
    /// never stopped (weights and the epoch's loss and accuracy, bit for bit).
    func testStopMidEpochAndResumeIsBitIdentical() throws {
        let data = try FashionMNIST.train.get().prefix(320)
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spec = try SequentialSpec.parse(Self.smallSpec)
        var config = Trainer.Config()
        (config.epochs, config.batchSize, config.seed, config.schedule) = (2, 64, 5, .cosine(epochs: 0))

        let straight = try spec.build(seed: 3)
        let straightHistory = try Trainer(model: straight, config: config).train(on: data)

        let first = try spec.build(seed: 3)
        let firstTrainer = Trainer(model: first, config: config)
        var batchesRun = 0
        let done = try firstTrainer.train(on: data, shouldStop: { batchesRun >= 2 }, progress: { _ in batchesRun += 1 })
        XCTAssertEqual(done.count, 0, "stopped inside the first epoch")
        let partial = try XCTUnwrap(firstTrainer.partial)
        XCTAssertEqual([partial.epoch, partial.batches, partial.seen], [0, 2, 128])
        let path = dir.appendingPathComponent("stopped.safetensors").path
        var info = TrainedModelFile(architecture: nil, spec: Self.smallSpec, preset: first.preset, config: config,
                                    adversarial: nil, data: "fashion-mnist", history: [])
        info.partialEpoch = partial
        try info.save(model: first, optimizerState: firstTrainer.optimizer.state(), to: path)

        let sidecar = try TrainedModelFile.readSidecar(for: path)
        XCTAssertEqual(sidecar.partialEpoch, partial)
        let resumed = try TrainedModelFile.load(path: path)
        let resumedTrainer = Trainer(model: resumed, config: try sidecar.trainingConfig())
        try resumedTrainer.resume(completedEpochs: sidecar.epochs, partial: sidecar.partialEpoch,
                                  optimizerState: try TrainedModelFile.loadOptimizerState(for: path))
        var firstBatch: Int?
        let rest = try resumedTrainer.train(on: data, progress: { p in firstBatch = firstBatch ?? p.batch })
        XCTAssertEqual(firstBatch, 3, "the resumed run starts at the batch after the last one done")
        XCTAssertEqual(rest.map(\.epoch), [1, 2])
        XCTAssertEqual(rest.map(\.loss), straightHistory.map(\.loss))
        XCTAssertEqual(rest.map(\.accuracy), straightHistory.map(\.accuracy))
        XCTAssertEqual(weights(resumed), weights(straight), "resumed weights differ")
        XCTAssertNil(resumedTrainer.partial)
    }

    func testSameSeedAnyThreadCountGivesIdenticalWeights() throws {
        let data = try FashionMNIST.train.get().prefix(256)
        var results: [[String: [Float]]] = []
        for threads in [1, 2, 3] {
            let model = try Zoo.architecture("fashion-cnn", seed: 5)
            var config = Trainer.Config()
            config.epochs = 1
            config.batchSize = 64
            config.seed = 5
            _ = try withThreads(threads) { try Trainer(model: model, config: config).train(on: data) }
            results.append(weights(model))
        }
        XCTAssertEqual(results[0], results[1], "1 vs 2 threads")
        XCTAssertEqual(results[0], results[2], "1 vs 3 threads")
    }

    func testShuffleIsAKeyedPermutation() {
        let a = Trainer.permutation(count: 1000, seed: 1, epoch: 0)
        XCTAssertEqual(a.sorted(), Array(0..<1000))
        XCTAssertEqual(a, Trainer.permutation(count: 1000, seed: 1, epoch: 0))
        XCTAssertNotEqual(a, Trainer.permutation(count: 1000, seed: 1, epoch: 1))
        XCTAssertNotEqual(a, Trainer.permutation(count: 1000, seed: 2, epoch: 0))
    }

    func testEvaluationCountsTheConfusionMatrix() throws {
        let e = Evaluation(confusion: [[3, 1], [0, 4]], classes: ["a", "b"])
        XCTAssertEqual(e.n, 8)
        XCTAssertEqual(e.accuracy, 7.0 / 8.0)
        XCTAssertEqual(e.perClass, [0.75, 1.0])
    }

    func testEvaluateRejectsAClassCountMismatch() throws {
        let data = try FashionMNIST.test.get().prefix(4)
        let three = try LabeledImages(pixels: data.pixels, labels: [0, 1, 2, 0], channels: 1, height: 28, width: 28,
                                      classes: ["a", "b", "c"], source: "three-classes")
        XCTAssertThrowsError(try Trainer.evaluate(try Zoo.architecture("fashion-cnn"), on: three)) {
            XCTAssertTrue("\($0)".contains("3 classes"), "\($0)")
        }
    }

    /// Madry's inner maximization stays inside the ε-ball and [0, 1], raises the loss and
    /// depends only on the stream it is given.
    func testPGDTrainingPerturbationStaysInTheBallAndRaisesTheLoss() throws {
        let (images, labels) = try FashionMNIST.test.get().batch(Array(0..<16))
        let model = try Zoo.architecture("fashion-cnn", seed: 2)
        let pgd = try AdversarialTraining(method: .pgd, eps: 0.1, alpha: 0.01, steps: 7)
        let stream = RandomStream(seed: 4, key: [1])
        let adv = try pgd.perturb(model: model, images: images, labels: labels, stream: stream)
        let (x, a) = (images.scalars, adv.scalars)
        for i in x.indices {
            XCTAssertLessThanOrEqual(Swift.abs(a[i] - x[i]), 0.1 + 1e-6)
            XCTAssertTrue(a[i] >= 0 && a[i] <= 1)
        }
        let clean = try model.logits(images).crossEntropy(labels: labels).item
        let attacked = try model.logits(adv).crossEntropy(labels: labels).item
        XCTAssertGreaterThan(attacked, clean)
        XCTAssertEqual(try pgd.perturb(model: model, images: images, labels: labels, stream: stream).scalars, a)
        XCTAssertNotEqual(try pgd.perturb(model: model, images: images, labels: labels, stream: stream.derived(9)).scalars, a)
        XCTAssertEqual(pgd.info, .init(method: "pgd", eps: 0.1, alpha: 0.01, steps: 7, randomStart: true))
        XCTAssertThrowsError(try AdversarialTraining(method: .cw, eps: 0.1))
    }

    /// The trainer hands each batch to the transform with frozen weights, and trains on
    /// what it returns.
    func testTransformSeesEveryBatchWithFrozenWeights() throws {
        let data = try FashionMNIST.train.get().prefix(100)
        let model = try Zoo.architecture("fashion-cnn")
        var config = Trainer.Config()
        config.epochs = 1
        config.batchSize = 32
        let trainer = Trainer(model: model, config: config)
        var sizes: [Int] = []
        trainer.transform = { images, _, _ in
            XCTAssertTrue(model.network.namedParameters().allSatisfy { !$0.1.value.requiresGrad })
            sizes.append(images.shape[0])
            return try Tensor.zeros(images.shape)
        }
        _ = try trainer.train(on: data)
        XCTAssertEqual(sizes, [32, 32, 32, 4])
    }
}
