import ArgumentParser

/// The `loupe` command: a thin shell over the library targets.
public struct Loupe: ParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "loupe",
        abstract: "Look inside image classifiers: feature visualization, DeconvNet and attribution, adversarial attacks.",
        discussion: """
        Examples:
          loupe bench kernels --json
        """,
        version: version,
        subcommands: [Bench.self]
    )

    public init() {}
}
