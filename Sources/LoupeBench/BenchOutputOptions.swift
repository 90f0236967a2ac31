import ArgumentParser

/// The options of the `loupe bench` subcommands that time repeated runs: how to print
/// the result and how many timed runs to take.
struct BenchOutputOptions: ParsableArguments {
    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: ArgumentHelp(
        "Timed repetitions (default: 10 for kernels, 5 otherwise); kernels and deconv report the fastest, "
            + "attack the median."))
    var repetitions: Int?

    func validate() throws {
        if let repetitions, repetitions < 1 { throw ValidationError("--repetitions must be at least 1") }
    }

    /// The repetitions asked for, or the subcommand's own `default`.
    func repetitions(default value: Int) -> Int { repetitions ?? value }
}
