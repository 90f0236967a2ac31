import ArgumentParser

/// `loupe bench …`: performance measurements. A command group so each benchmark sits
/// beside the others.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure Loupe's performance on this machine.",
        subcommands: [BenchDeconv.self]
    )
}
