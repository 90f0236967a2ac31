import ArgumentParser
import Foundation
import LoupeReport

/// Where a command writes its run folder and what it prints: shared by every command
/// that writes one.
struct OutputOptions: ParsableArguments {
    @Option(help: "Run folder to write (default: Outputs/<time>-<command>).")
    var out: String?

    /// An older spelling of --out, still accepted.
    @Option(help: .hidden)
    var report: String?

    @OptionGroup var printing: PrintOptions

    var json: Bool { printing.json }
    var quiet: Bool { printing.quiet }

    func validate() throws {
        if out != nil && report != nil { throw ValidationError("give the run folder once, with --out") }
    }

    /// The run folder the user asked for, if any.
    var folder: String? { out ?? report }

    /// The command line that reproduces this run, for the report.
    static var commandLine: String {
        (["loupe"] + CommandLine.arguments.dropFirst().map { $0.contains(" ") ? "'\($0)'" : $0 }).joined(separator: " ")
    }

    func runFolder(_ command: String, resumable: Bool = false) throws -> RunFolder {
        resumable ? try RunFolder(resumableCommand: command, out: folder) : try RunFolder(command: command, out: folder)
    }
}

/// Runs `body` with a fresh run folder; the folder appears only if `body` succeeds. A
/// resumable folder is written in place and keeps what `body` wrote before failing.
func withRunFolder<T>(_ command: String, _ options: OutputOptions, resumable: Bool = false,
                      _ body: (RunFolder) throws -> T) throws -> T {
    try withRunFolder(try options.runFolder(command, resumable: resumable), quiet: options.quiet, body)
}

/// Runs `body` with `run`, then moves it into place (or drops it if `body` failed).
func withRunFolder<T>(_ run: RunFolder, quiet: Bool, _ body: (RunFolder) throws -> T) throws -> T {
    do {
        let value = try body(run)
        try run.finish()
        note("report: \(run.finalPath("index.html"))", quiet: quiet)
        return value
    } catch {
        run.discard()
        throw error
    }
}
