import Foundation
import LoupeAttack
import LoupeData
import LoupeNN
import LoupeTensor
import LoupeVis

/// The model-level workloads of `make bench`, each the same computation as its twin in
/// bench/pytorch_bench.py (same model, shapes and batch), so the two can be timed side by
/// side. A workload is built once (model, data, buffers) and then timed run by run.
public enum WorkloadBench {
    /// Every workload in the order `make bench` prints them.
    public static let names = [
        "W0_sgemm", "W1_b1", "W1_b8", "W2_b1", "W2_b8", "W3_128", "W3_224", "W4_train", "W4_pgd", "W5_deconv",
        "W6_scorecam", "W6_lime", "W6_kernelshap", "W6_deletion", "W7_autoattack", "W8_tsne_sklearn", "W8_tsne_opentsne",
    ]

    /// A built workload: `warmUp` touches every buffer once (a whole run when that is cheap),
    /// `run` is what is timed.
    struct Built {
        let warmUp: () throws -> Void
        let run: () throws -> Void
        /// Images one run processes, for workloads reported as a rate.
        var images: Int? = nil
        var note: String? = nil
    }

    public struct Result: Sendable {
        public let name: String
        /// Every timed run, in milliseconds.
        public let timesMS: [Double]
        public let gflops: Double
        public let peakRSSMB: Double
        public let images: Int?
        public let note: String?

        public var minMS: Double { timesMS.min() ?? .nan }
        public var medianMS: Double {
            let s = timesMS.sorted()
            guard !s.isEmpty else { return .nan }
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
    }

    public struct Options: Sendable {
        /// Timed runs per workload (fewer when one run is slow, see `budgetSeconds`).
        public var repetitions = 5
        /// Stop repeating once this much time went into a workload's timed runs.
        public var budgetSeconds = 20.0
        public var threads = 2
        /// Images for W4_pgd and W4_train (10,000: all of Fashion-MNIST's test set; fewer for a quick look).
        public var pgdImages = 10_000
        public var trainImages = 10_000
        /// Test images for W7_autoattack and points for W8's t-SNE.
        public var autoattackImages = 1_000
        public var tsnePoints = 10_000
        /// fashion-cnn checkpoint for W7 and W8 (`make bench` passes a PGD-trained one);
        /// nil runs them on fresh weights and says so.
        public var fashionModel: String?
        public init() {}
    }

    /// Builds and times the workloads named in `only` (all when nil), one after the other.
    public static func run(only: [String]?, options: Options, log: (String) -> Void = { _ in }) throws -> [Result] {
        let selected = only ?? names
        for name in selected where !names.contains(name) {
            throw ModelError.invalid("unknown workload '\(name)'; workloads: \(names.joined(separator: ", "))")
        }
        let policy = KernelPolicy.current.with { $0.threads = options.threads }
        return try KernelPolicy.$current.withValue(policy) { try run(selected, options: options, log: log) }
    }

    private static func run(_ selected: [String], options: Options, log: (String) -> Void) throws -> [Result] {
        var results: [Result] = []
        for name in selected {
            resetPeakRSS()
            let built = try build(name, options: options)
            try built.warmUp()
            // One untimed, counted run would double the cost of the slow workloads: count
            // the FLOPs during the first timed run instead (the counter costs a lock per op).
            let counter = KernelCounter()
            let counting = KernelPolicy.current.with { $0.counter = counter }
            var times: [Double] = []
            var spent = 0.0
            while times.count < max(options.repetitions, 1) && (times.isEmpty || spent < options.budgetSeconds) {
                let start = DispatchTime.now().uptimeNanoseconds
                if times.isEmpty {
                    try KernelPolicy.$current.withValue(counting) { try built.run() }
                } else {
                    try built.run()
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                times.append(seconds * 1000)
                spent += seconds
                log("\(name): \(String(format: "%.1f", seconds * 1000)) ms")
            }
            let flops = name == "W0_sgemm" ? 2 * pow(1024, 3) : counter.flops
            let best = times.min() ?? .nan
            results.append(Result(name: name, timesMS: times, gflops: flops / (best / 1000) / 1e9,
                                  peakRSSMB: peakRSSMB(), images: built.images, note: built.note))
        }
        return results
    }

    // MARK: - The workloads

    static func build(_ name: String, options: Options) throws -> Built {
        switch name {
        case "W0_sgemm":
            let a = try Tensor.randomNormal([1024, 1024], stream: RandomStream(seed: 1, key: [1]))
            let b = try Tensor.randomNormal([1024, 1024], stream: RandomStream(seed: 1, key: [2]))
            let body = { _ = try Autograd.noGrad { try a.matmul(b) } }
            return Built(warmUp: body, run: body)
        case "W1_b1", "W1_b8":
            // Forward + cross-entropy + gradient with respect to the input only.
            let (model, note) = try efficientNet()
            let batch = name == "W1_b1" ? 1 : 8
            let x = try images(batch: batch, size: 224)
            let labels = (0..<batch).map { ($0 * 131 + 7) % 1000 }
            let body = {
                _ = try model.inputGradient(x) { pass in
                    guard let logits = pass.output else { throw ModelError.invalid("no logits") }
                    return try logits.crossEntropy(labels: labels, reduction: .sum)
                }
            }
            return Built(warmUp: body, run: body, note: note)
        case "W2_b1", "W2_b8":
            let (model, note) = try efficientNet()
            let x = try images(batch: name == "W2_b1" ? 1 : 8, size: 224)
            let body = { _ = try model.logits(x) }
            return Built(warmUp: body, run: body, note: note)
        case "W3_128", "W3_224":
            return try visualizationStep(size: name == "W3_128" ? 128 : 224)
        case "W4_train":
            return try training(images: options.trainImages)
        case "W4_pgd":
            return try pgd(images: options.pgdImages)
        case "W6_scorecam", "W6_lime", "W6_kernelshap", "W6_deletion":
            return try attribution(name)
        case "W7_autoattack":
            return try autoAttack(images: options.autoattackImages, model: options.fashionModel)
        case "W8_tsne_sklearn", "W8_tsne_opentsne":
            return try tsne(points: options.tsnePoints, model: options.fashionModel)
        case "W5_deconv":
            let model = try Zoo.architecture("vgg16", seed: 0)
            let x = try images(batch: 1, size: 224).requiringGrad()
            let channel = 7
            let body = {
                x.zeroGrad()
                let pass = try model.forward(x, recording: ["features.28"], stopAfter: "features.28")
                guard let a = pass["features.28"] else { throw ModelError.invalid("features.28 was not recorded") }
                // Zeiler & Fergus: keep one feature map, zero the others, project back to pixels.
                var mask = [Float](repeating: 0, count: a.shape[1])
                mask[channel] = 1
                let seed = try a.detached * Tensor(shape: [1, a.shape[1], 1, 1], scalars: mask)
                try a.backward(seed: seed, rule: .deconvnet)
            }
            return Built(warmUp: body, run: body, note: "random weights")
        default:
            throw ModelError.invalid("unknown workload '\(name)'")
        }
    }

    /// EfficientNet-Lite0 with its pretrained weights when `make assets` fetched them, else
    /// random weights (the same work either way).
    static func efficientNet() throws -> (Model, String) {
        if let model = try? Zoo.load("efficientnet-lite0") { return (model, "pretrained weights") }
        return (try Zoo.architecture("efficientnet-lite0"), "random weights")
    }

    static func images(batch: Int, size: Int) throws -> Tensor {
        try Tensor.randomUniform([batch, 3, size, size], low: 0, high: 1, stream: RandomStream(seed: 3, key: [UInt64(size)]))
    }

    /// One step of what `Visualizer.run` does: Fourier image with color decorrelation and
    /// sigmoid, Lucid's transforms, forward to blocks.8, channel mean, backward, Adam.
    /// The scale and angle are fixed (1.04, 5°) so every run does the same work; PyTorch's
    /// side uses the same ones.
    static func visualizationStep(size: Int) throws -> Built {
        let (model, note) = try efficientNet()
        let param = try ImageParameterization(
            basis: .fourier(decay: 1), batch: 1, channels: 3, height: size, width: size, decorrelate: true,
            squash: .sigmoid, stream: RandomStream(seed: 0, key: [0x1A6E]))
        let optimizer = Adam([param.parameter], learningRate: 0.05)
        let transforms: [Transform] = [.pad(12, value: 0.5), .jitter(8), .scale([1.04]), .rotate([5]), .jitter(4)]
        let objective = Objective.channel(layer: "blocks.8", channel: 0)
        _ = try model.layers()  // the tap list is built once per model, as in a real run
        var step: UInt64 = 0
        let body = {
            step += 1
            optimizer.zeroGrad([param.parameter])
            let image = try param.image()
            let x = try Transform.apply(transforms, to: image, stream: RandomStream(seed: 0, key: [step]))
            let pass = try model.forward(x, recording: ["blocks.8"], stopAfter: "blocks.8")
            try (-(try objective.value(pass, item: 0))).backward()
            try optimizer.step()
        }
        return Built(warmUp: body, run: body, note: note)
    }

    /// Calls `body` with 0..<n cut into consecutive runs of `size` indices.
    static func inBatches(of size: Int, _ n: Int, _ body: ([Int]) throws -> Void) rethrows {
        for start in stride(from: 0, to: n, by: size) { try body(Array(start..<min(start + size, n))) }
    }

    static func fashionMNIST(_ split: String, count: Int) throws -> LabeledImages {
        try IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: split).prefix(count)
    }

    /// fashion-cnn trained for one pass over `images` training images at batch 128 (Adam).
    static func training(images count: Int) throws -> Built {
        let data = try fashionMNIST("train", count: count)
        var config = Trainer.Config()
        (config.epochs, config.batchSize, config.optimizer, config.learningRate) = (1, 128, .adam, 1e-3)
        let warmUpData = try data.prefix(256)
        return Built(
            warmUp: { _ = try Trainer(model: try Zoo.architecture("fashion-cnn"), config: config).train(on: warmUpData) },
            run: { _ = try Trainer(model: try Zoo.architecture("fashion-cnn"), config: config).train(on: data) },
            images: data.count)
    }

    /// PGD-20 (L∞, ε 0.1, α 0.01, random start, no early stop) on fashion-cnn over the
    /// first `images` test images at batch 128.
    static func pgd(images count: Int) throws -> Built {
        let data = try fashionMNIST("test", count: count)
        let model = try Zoo.architecture("fashion-cnn", seed: 0)
        var config = AttackConfig(method: .pgd, eps: 0.1, alpha: 0.01, steps: 20)
        config.earlyStop = false
        let attacker = try Attacker(model: model, config: config)
        func attack(_ n: Int) throws {
            try inBatches(of: 128, n) { indices in
                let (x, labels) = try data.batch(indices)
                _ = try attacker.run(x, labels: labels, sampleIDs: indices)
            }
        }
        return Built(warmUp: { try attack(min(128, data.count)) }, run: { try attack(data.count) }, images: data.count,
                     note: "random weights")
    }

    // MARK: - Memory

    /// Resets the kernel's high-water mark of this process's resident set (Linux).
    static func resetPeakRSS() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Peak resident set since the last reset, in MiB (VmHWM; 0 where /proc is missing).
    static func peakRSSMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }

    // MARK: - Output

    /// `{"threads": T, "machine": {…}, "kernel_variant": "avx512", "workloads": [{"name", "loupe_ms", "median_ms", "times_ms", "gflops",
    /// "fraction_of_sgemm", "peak_rss_mb", "images", "note"}]}`; the fraction is against
    /// W0_sgemm when it ran in the same process, else null.
    public static func json(_ results: [Result], threads: Int) -> String {
        let sgemm = results.first { $0.name == "W0_sgemm" }?.gflops
        func num(_ v: Double, _ digits: Int) -> String { v.isFinite ? String(format: "%.\(digits)f", v) : "null" }
        let entries = results.map { r -> String in
            var fields = [
                "\"name\": \"\(r.name)\"", "\"loupe_ms\": \(num(r.minMS, 3))", "\"median_ms\": \(num(r.medianMS, 3))",
                "\"times_ms\": [\(r.timesMS.map { num($0, 3) }.joined(separator: ", "))]",
                "\"gflops\": \(num(r.gflops, 2))",
                "\"fraction_of_sgemm\": \(sgemm.map { num(r.gflops / $0, 3) } ?? "null")",
                "\"peak_rss_mb\": \(num(r.peakRSSMB, 1))",
            ]
            fields.append("\"images\": \(r.images.map(String.init) ?? "null")")
            fields.append("\"note\": " + (r.note.map { "\"\($0)\"" } ?? "null"))
            return "{" + fields.joined(separator: ", ") + "}"
        }
        return "{\"threads\": \(threads), \"machine\": \(BenchMachine.json), "
            + "\"kernel_variant\": \"\(KernelPolicy.current.kernels.rawValue)\", \"workloads\": [\(entries.joined(separator: ", "))]}"
    }

    public static func table(_ results: [Result]) -> String {
        let sgemm = results.first { $0.name == "W0_sgemm" }?.gflops
        func cell(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        var lines = ["workload".padding(toLength: 12, withPad: " ", startingAt: 0) + cell("min ms", 11)
            + cell("median ms", 11) + cell("GFLOP/s", 9) + cell("of sgemm", 10) + cell("peak MB", 9)]
        for r in results {
            let fraction = sgemm.map { String(format: "%.3f", r.gflops / $0) } ?? "-"
            lines.append(r.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                + cell(String(format: "%.1f", r.minMS), 11) + cell(String(format: "%.1f", r.medianMS), 11)
                + cell(String(format: "%.1f", r.gflops), 9) + cell(fraction, 10)
                + cell(String(format: "%.0f", r.peakRSSMB), 9))
        }
        return lines.joined(separator: "\n")
    }
}
