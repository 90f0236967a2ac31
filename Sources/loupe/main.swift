import ArgumentParser
import LoupeBench
import LoupeCLI

/// The shipped tool: Loupe's commands plus the benchmark group, which lives in its own
/// target so no product target carries benchmark code.
struct LoupeTool: ParsableCommand {
    static let configuration = Loupe.rootConfiguration(subcommands: Loupe.subcommands + [Bench.self])
}

Loupe.runMain(LoupeTool.self)
