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

    /// The command line that reproduces this run, for the report: a recipe's step is the
    /// single command it stands for.
    static var commandLine: String {
        stepCommandLine ?? quoted(["loupe"] + CommandLine.arguments.dropFirst())
    }

    /// Set by a recipe around each of its steps.
    @TaskLocal static var stepCommandLine: String?

    static func quoted(_ arguments: [String]) -> String {
        arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    func runFolder(_ command: String, resumable: Bool = false) throws -> RunFolder {
        resumable ? try RunFolder(resumableCommand: command, out: folder) : try RunFolder(command: command, out: folder)
    }
}

/// Runs `body` with a fresh run folder; the folder appears only if `body` succeeds. A
/// resumable folder is written in place and keeps what `body` wrote before failing.
/// `show` prints what the run found once the folder is in place; the last line is where
/// its page is.
@discardableResult
func withRunFolder<T>(_ command: String, _ options: OutputOptions, resumable: Bool = false,
                      _ body: (RunFolder) throws -> T, show: (T) throws -> Void = { _ in }) throws -> T {
    try withRunFolder(try options.runFolder(command, resumable: resumable), quiet: options.quiet, body, show: show)
}

/// Runs `body` with `run`, then moves it into place (or drops it if `body` failed),
/// lets `show` print the result and says where the page is.
@discardableResult
func withRunFolder<T>(_ run: RunFolder, quiet: Bool, _ body: (RunFolder) throws -> T,
                      show: (T) throws -> Void = { _ in }) throws -> T {
    let value: T
    do {
        value = try body(run)
        try run.finish()
    } catch {
        run.discard()
        throw error
    }
    try show(value)
    notePage(run.finalPath("index.html"), quiet: quiet)
    return value
}

/// The last line of every command that writes a page: where it is. On stderr, so
/// `--json` output stays pure JSON.
func notePage(_ path: String, quiet: Bool) {
    note("report: \(path)", quiet: quiet)
}
