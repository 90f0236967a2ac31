import ArgumentParser
import Foundation
import LoupeAttack
import LoupeCLI
import LoupeData
import LoupeNN
import LoupeTensor

/// `loupe bench attack`: a PGD step on a large model and a whole PGD-20 evaluation on a
/// small one. Figures of other tools come only from side-by-side runs (`make bench`).
struct BenchAttack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "PGD step on EfficientNet-Lite0 (batch 8, 224 px) and PGD-20 over Fashion-MNIST test on fashion-cnn.")

    @OptionGroup var output: BenchOutputOptions

    @Option(help: "Fashion-MNIST test images for PGD-20 (0 skips it).")
    var limit = 10_000

    @Option(help: "Batch sizes for PGD-20, comma-separated.")
    var batches = "128,1000"

    @Option(help: "fashion-cnn checkpoint (default: fresh weights; timing does not depend on them, early stop is off).")
    var fashionModel: String?

    @Flag(help: "Skip the EfficientNet-Lite0 step.")
    var noLite0 = false

    func run() throws {
        var result: [String: Any] = ["threads": KernelPolicy.current.threads, "machine": BenchMachine.fields]
        if !noLite0 {
            let model = try Zoo.load("efficientnet-lite0")
            let x = try Tensor.randomUniform([8, 3, 224, 224], stream: RandomStream(seed: 1))
            var config = AttackConfig(method: .pgd, eps: 8 / 255, steps: 1)
            config.earlyStop = false
            config.randomStart = false
            let attacker = try Attacker(model: model, config: config)
            let labels = [Int](repeating: 0, count: 8)
            _ = try attacker.run(x, labels: labels)   // warm-up
            // One step of run() is forward+backward, a forward of the final iterate and a
            // forward for the final prediction; time the gradient pass alone as well.
            var times: [Double] = []
            for _ in 0..<output.repetitions(default: 5) {
                let t = Date()
                _ = try model.inputGradient(x) { pass in
                    guard let out = pass.output else { throw ValidationError("no logits") }
                    return try out.crossEntropy(labels: labels, reduction: .sum)
                }
                times.append(Date().timeIntervalSince(t))
            }
            let median = times.sorted()[times.count / 2]
            result["lite0_pgd_step_images_per_second"] = 8 / median
            if !output.json { print(String(format: "PGD step, EfficientNet-Lite0, batch 8, 224 px: %.1f images/s", 8 / median)) }
        }
        if limit > 0 {
            let model = try fashionModel.map { try Zoo.load($0) } ?? Zoo.architecture("fashion-cnn", seed: 0)
            let data = try IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: "test").prefix(limit)
            var config = AttackConfig(method: .pgd, eps: 0.1, alpha: 0.01, steps: 20)
            config.earlyStop = false
            let attacker = try Attacker(model: model, config: config)
            var perBatch: [String: Double] = [:]
            for b in try parseList(batches) where b > 0 {
                let t = Date()
                var start = 0
                while start < data.count {
                    let ids = Array(start..<min(start + b, data.count))
                    let batch = try data.batch(ids)
                    _ = try attacker.run(batch.images, labels: batch.labels, sampleIDs: ids)
                    start += b
                }
                let seconds = Date().timeIntervalSince(t)
                perBatch["\(b)"] = seconds
                if !output.json { print(String(format: "PGD-20, fashion-cnn, %d images, batch %d: %.1f s", data.count, b, seconds)) }
            }
            result["fashion_pgd20_seconds"] = perBatch
            result["fashion_pgd20_images"] = data.count
        }
        if output.json { try printJSON(result) }
    }
}
