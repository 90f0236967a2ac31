import ArgumentParser
import Foundation
import LoupeCLI

/// `loupe bench …`: performance measurements. A command group so model-level benchmarks
/// can sit beside the kernel suite.
public struct Bench: ParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Measure Loupe's performance on this machine.",
        discussion: helpText("""
        `make bench` runs the workloads beside PyTorch eager and prints speed-ups.

        Examples:
          loupe bench kernels --json
          loupe bench workloads --only W1_b8,W3_128
          loupe bench training
        """),
        subcommands: [BenchKernels.self, BenchWorkloads.self, BenchAttack.self, BenchDeconv.self, BenchTraining.self]
    )

    public init() {}
}

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Conv kernels (forward + input gradient, batch 8, 2 threads) against SGEMM 1024³ and the FMA peak."
    )

    @OptionGroup var output: BenchOutputOptions

    @Option(help: "Only the kernels whose name contains this text (SGEMM and the FMA peak are always measured).")
    var only: String?

    func run() throws {
        let report = try KernelBench.run(repetitions: output.repetitions(default: 10), only: only)
        print(output.json ? report.json : report.table)
    }
}

struct BenchWorkloads: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workloads",
        abstract: "Model-level workloads (EfficientNet-Lite0, feature visualization, training, PGD, DeconvNet).",
        discussion: "`make bench` runs these interleaved with their PyTorch twins (bench/run.py)."
    )

    @OptionGroup var output: BenchOutputOptions

    @Option(help: "Comma-separated workloads to run (default: all): \(WorkloadBench.names.joined(separator: ", ")).")
    var only: String?

    @Option(help: "Seconds of timed runs after which a workload stops repeating.")
    var budget = 20.0

    @Option(help: "Worker threads.")
    var threads = 2

    @Option(help: "Images for W4_pgd and W4_train.")
    var images = 10_000

    @Option(help: "fashion-cnn checkpoint for W7_autoattack and W8 (default: fresh weights).")
    var fashionModel: String?

    @Option(help: "Write the W6 workloads' image, SLIC segments, saliency map and deletion substrate here for bench/pytorch_bench.py, and time nothing.")
    var exportAttributionInputs: String?

    @Flag(help: "Print each timed run to stderr.")
    var verbose = false

    func run() throws {
        if let folder = exportAttributionInputs {
            try WorkloadBench.exportAttributionInputs(to: folder)
            print("wrote W6 inputs to \(folder)")
            return
        }
        var options = WorkloadBench.Options()
        options.repetitions = output.repetitions(default: 5)
        options.budgetSeconds = budget
        options.threads = threads
        options.pgdImages = images
        options.trainImages = images
        options.fashionModel = fashionModel
        let names = only.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
        for name in names ?? [] where !WorkloadBench.names.contains(name) {
            throw ValidationError("unknown workload '\(name)'; workloads: \(WorkloadBench.names.joined(separator: ", "))")
        }
        guard threads >= 1, images >= 1 else {
            throw ValidationError("--threads and --images must be at least 1")
        }
        let results = try WorkloadBench.run(only: names, options: options) { line in
            if verbose { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        print(output.json ? WorkloadBench.json(results, threads: threads) : WorkloadBench.table(results))
    }
}
