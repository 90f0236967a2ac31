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

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if folders.isEmpty { throw ValidationError("give the shard folders to merge") }
        guard let out = output.folder else { throw ValidationError("give the folder for the merged report: --out DIR") }
        let target = URL(fileURLWithPath: out).standardizedFileURL.path
        if folders.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == target }) {
            throw ValidationError("--out must not be one of the shard folders")
        }
    }

    func run() throws {
        let (settings, records) = try RobustnessSweep.merge(folders.map { URL(fileURLWithPath: $0) })
        let summary = try RobustnessSummary(settings: settings, records: records)
        try withRunFolder("merge", output) { folder in
            try settings.write(to: folder)
            try RecordsFile.write(records, to: folder)
            try RobustnessReport.write(summary, to: folder, command: OutputOptions.commandLine)
            return folder.url.path
        } show: { run in
            note("merged \(folders.count) folders, \(records.count) samples", quiet: output.quiet)
            try report(summary, run: run, output)
        }
    }
}
