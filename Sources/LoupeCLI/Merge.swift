import ArgumentParser
import Foundation
import LoupeAttack

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the shards of a robustness sweep into one report.",
        discussion: helpText("""
        Every folder must come from `loupe robustness` with the same settings (only --shard
        differing), and together they must cover every sample. The merged numbers are exactly
        those of one unsharded run.

        Example:
          loupe merge runs/shard-0 runs/shard-1 runs/shard-2 runs/shard-3 \\
              --out runs/merged
        """))

    @Argument(help: "Run folders of the shards.")
    var folders: [String]

    @Option(help: "Folder for the merged report.")
    var out: String

    @Flag(help: "Print the summary as JSON (as `loupe robustness --json`).")
    var json = false

    @Flag(help: "No status lines.")
    var quiet = false

    func validate() throws {
        if folders.isEmpty { throw ValidationError("give the shard folders to merge") }
        let target = URL(fileURLWithPath: out).standardizedFileURL.path
        if folders.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == target }) {
            throw ValidationError("--out must not be one of the shard folders")
        }
    }

    func run() throws {
        let (settings, records) = try RobustnessSweep.merge(folders.map { URL(fileURLWithPath: $0) })
        let folder = URL(fileURLWithPath: out)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ValidationError("\(out): cannot create the folder: \(error.localizedDescription)")
        }
        try AtomicFile.writeJSON(settings, to: RobustnessSweep.settingsURL(in: folder))
        try RecordsFile.write(records, to: RobustnessSweep.recordsURL(in: folder))
        let summary = try RobustnessSummary(settings: settings, records: records)
        try RobustnessReport.write(summary, to: folder, command: OutputOptions.commandLine)
        note("merged \(folders.count) folders, \(records.count) samples; report: \(folder.appendingPathComponent("index.html").path)", quiet: quiet)
        if json { try printJSON(summary.json(run: folder.path)) } else if !quiet { printTable(summary) }
    }
}
