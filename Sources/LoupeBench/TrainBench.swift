import ArgumentParser
import Foundation
import LoupeAttack
import LoupeCLI
import LoupeNN
import LoupeTensor

/// `loupe bench training`: training throughput on synthetic data, optionally with PGD
/// adversarial training.
struct BenchTraining: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training",
        abstract: "Training throughput (images/s): fashion-cnn, batch 128, 2 threads by default."
    )

    @Option(help: "Architecture to train.")
    var arch = "fashion-cnn"

    @Option(help: "Images per batch.")
    var batchSize = 128

    @Option(help: "Worker threads.")
    var threads = 2

    @Option(help: "Timed batches (after 3 warm-up batches).")
    var batches = 30

    @Flag(help: "Also measure PGD adversarial training (ε 0.1, α 0.01, 7 steps).")
    var adversarial = false

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    func validate() throws {
        if batchSize < 1 || threads < 1 || batches < 1 { throw ValidationError("--batch-size, --threads and --batches must be at least 1") }
    }

    func run() throws {
        try KernelPolicy.$current.withValue(KernelPolicy.current.with { $0.threads = threads }) { try measure() }
    }

    private func measure() throws {
        let plain = try TrainingBenchmark.run(model: try Zoo.architecture(arch), batchSize: batchSize, batches: batches)
        var pgd: TrainingBenchmark.Result?
        if adversarial {
            let attack = try AdversarialTraining(method: .pgd, eps: 0.1, alpha: 0.01, steps: 7)
            pgd = try TrainingBenchmark.run(model: try Zoo.architecture(arch), batchSize: batchSize,
                                            batches: max(batches / 5, 2), warmup: 1) { attack.install(on: $0) }
        }
        if json {
            var out: [String: Any] = ["arch": arch, "batch_size": batchSize, "threads": threads,
                                      "train_images_per_second": plain.imagesPerSecond, "machine": BenchMachine.fields]
            if let pgd { out["pgd_train_images_per_second"] = pgd.imagesPerSecond }
            try printJSON(out)
        } else {
            print(String(format: "%@ training, batch %d, %d threads: %.0f images/s", arch, batchSize, threads, plain.imagesPerSecond))
            if let pgd { print(String(format: "%@ PGD-7 adversarial training: %.0f images/s", arch, pgd.imagesPerSecond)) }
        }
    }
}
