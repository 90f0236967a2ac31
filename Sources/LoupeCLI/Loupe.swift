import ArgumentParser
import Foundation
import LoupeTensor

/// The `loupe` command: a thin shell over the library targets. The executable adds the
/// `bench` group (target LoupeBench) through a root command of its own built by
/// `rootConfiguration(subcommands:)`.
public struct Loupe: ParsableCommand {
    public static let version = "0.1.0"

    /// The product's subcommands.
    public static let subcommands: [ParsableCommand.Type] = [
        Classify.self, Layers.self, Visualize.self, DeconvCommand.self, AttributeCommand.self, ExemplarsCommand.self,
        EmbedCommand.self, ProbeCommand.self, ConceptCommand.self,
        Attack.self, Robustness.self, Merge.self, Train.self, Evaluate.self, Run.self,
    ]

    public static let configuration = rootConfiguration(subcommands: subcommands)

    /// The root command's name, help and version with `subcommands` under it.
    public static func rootConfiguration(subcommands: [ParsableCommand.Type]) -> CommandConfiguration {
        CommandConfiguration(
            commandName: "loupe",
            abstract: "Look inside image classifiers: feature visualization, DeconvNet and attribution, adversarial attacks.",
            discussion: helpText("""
            Models: efficientnet-lite0 (pretrained, fetched by `make assets`), vgg16, alexnet, resnet18,
            fashion-cnn, fashion-cnn-large, or your own (--arch/--spec with --weights).

            Examples:
              loupe classify photo.jpg --model efficientnet-lite0 --top 5
              loupe layers efficientnet-lite0
              loupe bench kernels --json
            """),
            version: versionText(),
            subcommands: subcommands
        )
    }

    public init() {}

    /// `loupe --version`: the release, then one line per fact about what runs here.
    static func versionText(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        [version,
         "BLAS: \(BLASStatus.current)",
         "kernels: " + ((try? KernelPolicy.kernelVariant(environment: environment))?.rawValue ?? "invalid LOUPE_KERNELS"),
         "CPU: \(CPUInfo.current.summary); \(CPUInfo.current.features.names.joined(separator: " "))",
        ].joined(separator: "\n")
    }

    /// Runs the command line with `root` as the root command. User errors print one line
    /// and exit 2; `--help` and `--version` exit 0. Nothing a user types makes the process crash.
    public static func runMain<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String]? = nil) -> Never {
        BLASStartup.apply()  // before any BLAS call; may re-execute the process
        let environment = ProcessInfo.processInfo.environment
        let policy: KernelPolicy
        do {
            policy = try KernelPolicy(environment: environment)
        } catch {
            FileHandle.standardError.write(Data("loupe: error: \(error)\n".utf8))
            Foundation.exit(2)
        }
        let command: ParsableCommand
        do {
            command = try root.parseAsRoot(negativeValuesAttached(arguments ?? Array(CommandLine.arguments.dropFirst())))
        } catch {
            let code = root.exitCode(for: error)
            if code == .success { root.exit(withError: error) }
            FileHandle.standardError.write(Data((oneLine(root.fullMessage(for: error)) + "\n").utf8))
            Foundation.exit(2)
        }
        AllocatorTuning.apply()
        do {
            try execute(command, under: policy)
            Foundation.exit(0)
        } catch {
            // ArgumentParser's own signals (help, clean exits, validation) keep their wording;
            // Loupe's typed errors print as one line naming what was wrong.
            if root.exitCode(for: error) == .success { root.exit(withError: error) }
            if let code = error as? ExitCode { Foundation.exit(code.rawValue) }  // e.g. 130: stopped by Ctrl-C, saved
            let isParserError = error is ValidationError || String(describing: type(of: error)) == "CommandError"
            let message = isParserError ? oneLine(root.fullMessage(for: error)) : "loupe: error: \(error)"
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(2)
        }
    }

    /// Runs a parsed command under `policy` as the command's own options change it.
    static func execute(_ command: ParsableCommand, under policy: KernelPolicy = .current) throws {
        var command = command, policy = policy
        (command as? KernelPolicyOptions)?.adjust(&policy)
        try KernelPolicy.$current.withValue(policy) { try command.run() }
    }
}

/// A command with options that change the kernel policy (`--threads`); the policy is
/// installed once, around the whole command.
protocol KernelPolicyOptions {
    func adjust(_ policy: inout KernelPolicy)
}

extension KernelPolicy {
    /// The defaults, changed by `LOUPE_WINOGRAD=0` and `LOUPE_DIRECT_CONV=0` (to measure
    /// what those kernels save against im2col + GEMM), `LOUPE_THREADS=N` (a positive
    /// worker count; anything else keeps one per core) and `LOUPE_KERNELS` (see
    /// `kernelVariant(environment:)`).
    init(environment: [String: String]) throws {
        self.init(winograd: environment["LOUPE_WINOGRAD"] != "0", directConv: environment["LOUPE_DIRECT_CONV"] != "0",
                  threads: environment["LOUPE_THREADS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil },
                  kernels: try Self.kernelVariant(environment: environment))
    }

    /// `LOUPE_KERNELS=auto|avx512|avx2|baseline`: which copy of Loupe's own kernels runs (the
    /// best this CPU supports when unset or `auto`); a name this CPU cannot run is an error.
    static func kernelVariant(environment: [String: String]) throws -> KernelVariant {
        do {
            return try KernelVariant(choice: environment["LOUPE_KERNELS"] ?? "auto")
        } catch {
            throw ValidationError("LOUPE_KERNELS: \(error)")
        }
    }
}

extension Loupe {
    /// ArgumentParser's message as the one line a user error gets: the complaint, the valid
    /// choices (listed one per line by the parser) joined after it, and where help is; the
    /// usage block is left out.
    static func oneLine(_ full: String) -> String {
        var complaint: [String] = [], choices: [String] = [], hint = ""
        for line in full.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) where !line.isEmpty {
            if line.hasPrefix("- ") { choices.append(String(line.dropFirst(2))) }
            else if line.hasPrefix("See '") { hint = " (" + line.replacingOccurrences(of: " for more information.", with: "").lowercased() + ")" }
            else if !line.hasPrefix("Help:") && !line.hasPrefix("Usage:") {
                complaint.append(line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line)
            }
        }
        var text = complaint.joined(separator: " ")
        if !choices.isEmpty {
            text = text.replacingOccurrences(of: " Please provide one of the following:", with: "") + " Choose one of: " + choices.joined(separator: ", ") + "."
        }
        return "loupe: error: " + text + hint
    }

    /// `--eps -1` hands "-1" to the option as `--eps=-1` would: the parser would otherwise
    /// take it for an option and report a missing value instead of the bad one.
    static func negativeValuesAttached(_ arguments: [String]) -> [String] {
        var out: [String] = [], i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a.hasPrefix("--"), !a.contains("="), i + 1 < arguments.count,
               let next = arguments[i + 1].dropFirst().first, arguments[i + 1].hasPrefix("-"), next.isNumber || next == "." {
                out.append(a + "=" + arguments[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }
}
