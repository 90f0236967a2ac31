import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

/// Training throughput on synthetic data (dense kernels do not care what the pixels
/// are), for `loupe bench training`: images per second over timed batches after a
/// warm-up, with an optional per-batch transform (adversarial training).
public enum TrainingBenchmark {
    public struct Result: Sendable {
        public let imagesPerSecond: Double
        public let batchSize, batches, threads: Int
    }

    public static func run(
        model: Model, batchSize: Int = 128, batches: Int = 20, warmup: Int = 3, seed: UInt64 = 0,
        transform: ((Trainer) -> Void)? = nil
    ) throws -> Result {
        guard batchSize > 0, batches > 0, warmup >= 0 else {
            throw ModelError.invalid("benchmark needs a positive batch size and batch count")
        }
        let p = model.preset
        let count = batchSize * (batches + warmup)
        let size = p.channels * p.inputSize * p.inputSize
        let stream = RandomStream(seed: seed, key: [0x4245_4E43])
        let pixels = (0..<(count * size)).map { UInt8(truncatingIfNeeded: stream.bits(at: UInt64($0))) }
        let classes = max(p.labels.count, 1)
        let labels = (0..<count).map { Int(stream.bits(at: UInt64(count * size + $0)) % UInt64(classes)) }
        let data = try LabeledImages(pixels: pixels, labels: labels, channels: p.channels, height: p.inputSize,
                                     width: p.inputSize, classes: p.labels.isEmpty ? ["0"] : p.labels, source: "synthetic")
        var config = Trainer.Config()
        config.epochs = 1
        config.batchSize = batchSize
        config.seed = seed
        let trainer = Trainer(model: model, config: config)
        transform?(trainer)
        var started: Date? = warmup == 0 ? Date() : nil
        var finished = Date()
        _ = try trainer.train(on: data, progress: { progress in
            if progress.batch == warmup { started = Date() }
            if progress.batch == progress.batches { finished = Date() }
        })
        let elapsed = finished.timeIntervalSince(started ?? finished)
        return Result(imagesPerSecond: Double(batches * batchSize) / max(elapsed, 1e-9), batchSize: batchSize,
                      batches: batches, threads: KernelPolicy.current.threads)
    }
}
