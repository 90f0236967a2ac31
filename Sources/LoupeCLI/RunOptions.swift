import ArgumentParser
import Foundation
import LoupeReport

/// Options every command that writes a run folder shares.
struct RunOptions: ParsableArguments {
    @Option(help: "Run folder to write (default: Outputs/<time>-<command>).")
    var out: String?

    @Flag(help: "Print the result as JSON on stdout as well.")
    var json = false

    @Flag(help: "No progress bars or status lines.")
    var quiet = false

    /// The command line that reproduces this run, for the report.
    static var commandLine: String {
        (["loupe"] + CommandLine.arguments.dropFirst().map { $0.contains(" ") ? "'\($0)'" : $0 }).joined(separator: " ")
    }

    func folder(_ command: String) throws -> RunFolder { try RunFolder(command: command, out: out) }
}

/// Runs `body` with a fresh run folder; the folder appears only if `body` succeeds.
func withRunFolder(_ command: String, _ options: RunOptions, _ body: (RunFolder) throws -> Void) throws {
    let run = try options.folder(command)
    do {
        try body(run)
        try run.finish()
        note("report: \(run.finalPath("index.html"))", quiet: options.quiet)
    } catch {
        run.discard()
        throw error
    }
}
