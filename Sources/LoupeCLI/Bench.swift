import ArgumentParser

/// `loupe bench …`: performance measurements. A command group so model-level benchmarks
/// can sit beside the kernel suite.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Loupe's performance on this machine.",
        subcommands: [BenchKernels.self, BenchAttack.self, BenchDeconv.self, BenchTraining.self]
    )
}

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Conv kernels (forward + input gradient, batch 8, 2 threads) against SGEMM 1024³."
    )

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Timed repetitions per kernel (the minimum is reported).")
    var repetitions = 10

    @Option(help: "Only the kernels whose name contains this text (SGEMM is always measured).")
    var only: String?

    func run() throws {
        let report = try KernelBench.run(repetitions: repetitions, only: only)
        print(json ? report.json : report.table)
    }
}
