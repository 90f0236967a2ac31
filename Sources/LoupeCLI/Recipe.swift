import ArgumentParser
import Foundation
import LoupeData
import LoupeNN
import Yams

/// A declarative workflow: a model, a seed and steps whose options are exactly the
/// CLI's (a step `visualize: {objective: blocks.8:12, steps: 256}` runs
/// `loupe visualize --objective blocks.8:12 --steps 256`).
///
/// ```yaml
/// name: quickstart
/// model: efficientnet-lite0      # passed as --model to steps that take one
/// seed: 0                        # passed as --seed to steps that take one
/// steps:
///   - classify: {images: ["${PHOTOS}/chelsea.png"], top: 3}
///   - visualize: {objective: "class:giant panda", steps: 256, name: panda}
/// ```
/// `${PHOTOS}`, `${LOUPE_HOME}`, `${RUN}` (this run's folder) and `~` expand in values;
/// a recipe may declare its own `variables:` with defaults, which `--set NAME=VALUE` overrides.
struct Recipe {
    struct Step {
        let command: String
        let name: String
        let arguments: [String]
        let line: Int?
    }

    let name: String
    let steps: [Step]
    let file: String

    static let topKeys = ["name", "description", "model", "seed", "variables", "steps"]

    /// Commands a recipe can run, each with its positional argument key (if any).
    static let commands: [String: (type: ParsableCommand.Type, positional: String?)] = [
        "classify": (Classify.self, "images"),
        "visualize": (Visualize.self, nil),
        "attack": (Attack.self, "image"),
        "deconv": (DeconvCommand.self, "image"),
        "attribute": (AttributeCommand.self, "image"),
        "exemplars": (ExemplarsCommand.self, nil),
        "embed": (EmbedCommand.self, nil),
        "probe": (ProbeCommand.self, nil),
        "concept": (ConceptCommand.self, nil),
        "robustness": (Robustness.self, nil),
        "train": (Train.self, nil),
        "evaluate": (Evaluate.self, nil),
    ]

    /// The variables every recipe may use; `--set` and the recipe's own `variables:` add more.
    static func builtinVariables(run folder: URL) -> [String: String] {
        ["PHOTOS": Assets.home.appendingPathComponent("photos").path, "LOUPE_HOME": Assets.home.path, "RUN": folder.path]
    }

    /// A recipe is a page of text; anything longer is not one (and is not read whole).
    static let maximumBytes = 1 << 20

    static func load(path: String, variables: [String: String], overridden: Set<String> = []) throws -> Recipe {
        if let problem = InputFileProblem.check(path) {
            throw RecipeError(file: path, line: nil, "cannot read the recipe: \(problem)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw RecipeError(file: path, line: nil, "cannot read the recipe")
        }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maximumBytes + 1) ?? Data() else {
            throw RecipeError(file: path, line: nil, "cannot read the recipe")
        }
        guard data.count <= maximumBytes else {
            throw RecipeError(file: path, line: nil, "is larger than \(maximumBytes >> 20) MiB; a recipe is a short YAML file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RecipeError(file: path, line: nil, "is not UTF-8 text")
        }
        return try parse(text, file: path, variables: variables, overridden: overridden)
    }

    /// The recipe in `text` (named `path` in messages): its keys and steps checked, variables
    /// expanded; each step's options are parsed later, by `RecipeRun`.
    static func parse(_ text: String, file path: String, variables given: [String: String],
                      overridden: Set<String> = []) throws -> Recipe {
        var variables = given
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw RecipeError(file: path, line: nil, "the recipe is empty") }
            root = node
        } catch let e as RecipeError { throw e } catch {
            throw RecipeError(file: path, line: nil, "is not valid YAML: \(error)")
        }
        func fail(_ node: Node, _ message: String) -> RecipeError { RecipeError(file: path, line: node.mark?.line, message) }
        guard let top = root.mapping else { throw fail(root, "a recipe is a mapping with 'steps'") }
        var model: String?, seed: String?, name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var stepNodes: [Node] = []
        for (k, v) in top {
            guard let key = k.string, topKeys.contains(key) else {
                throw fail(k, "unknown key '\(k.string ?? "?")'; valid keys: \(topKeys.joined(separator: ", "))")
            }
            switch key {
            case "model": model = v.string
            case "seed": seed = v.string
            case "name": name = v.string ?? name
            case "variables":
                guard let map = v.mapping else { throw fail(v, "'variables' must map names to default values") }
                for (vk, vv) in map {
                    guard let key = vk.string, let value = vv.string else { throw fail(vk, "a variable is NAME: VALUE") }
                    if !overridden.contains(key) { variables[key] = expand(value, variables) }
                }
            case "steps":
                guard let seq = v.sequence else { throw fail(v, "'steps' must be a list") }
                stepNodes = Array(seq)
            default: break
            }
        }
        guard !stepNodes.isEmpty else { throw fail(root, "the recipe has no steps") }
        var used: [String: Int] = [:]
        let steps = try stepNodes.map { node -> Step in
            guard let map = node.mapping, map.count == 1, let (k, v) = map.first, let command = k.string else {
                throw fail(node, "a step is one command with its options, e.g. `- visualize: {objective: blocks.8:12}`")
            }
            guard let spec = commands[command] else {
                throw fail(k, "unknown step '\(command)'; valid steps: \(commands.keys.sorted().joined(separator: ", "))")
            }
            let valid = optionNames(spec.type)
            var arguments: [String] = [], positional: [String] = []
            var stepName: String?
            var given = Set<String>()
            for (ok, ov) in v.mapping ?? [:] {
                guard let key = ok.string else { throw fail(ok, "option names are strings") }
                if key == "name" { stepName = ov.string; continue }
                if key == spec.positional {
                    positional = try values(ov).map { expand($0, variables) }
                    continue
                }
                guard valid.contains(key) else {
                    let keys = (valid + (spec.positional.map { [$0] } ?? []) + ["name"]).sorted()
                    throw fail(ok, "unknown key '\(key)' for \(command); valid keys: \(keys.joined(separator: ", "))")
                }
                given.insert(key)
                if let flag = ov.bool {
                    if flag { arguments.append("--\(key)") }
                } else {
                    for value in try values(ov) { arguments += ["--\(key)", expand(value, variables)] }
                }
            }
            if let model, valid.contains("model"), given.isDisjoint(with: ["model", "arch", "spec"]) {
                arguments += ["--model", expand(model, variables)]
            }
            if let seed, valid.contains("seed"), !given.contains("seed") { arguments += ["--seed", seed] }
            let base = stepName ?? command
            used[base, default: 0] += 1
            let unique = used[base]! > 1 ? "\(base)-\(used[base]!)" : base
            return Step(command: command, name: unique, arguments: positional + arguments, line: node.mark?.line)
        }
        return Recipe(name: name, steps: steps, file: path)
    }

    /// Where a step writes, inside the recipe's run folder: a folder named after the step
    /// (`train` writes its checkpoint there as model.safetensors, beside its report).
    static func outputArguments(_ step: Step, in run: URL) -> [String] {
        let folder = run.appendingPathComponent(step.name)
        switch step.command {
        case "train": return ["--out", folder.appendingPathComponent("model.safetensors").path, "--report", folder.path]
        default: return ["--out", folder.path]
        }
    }

    static func values(_ node: Node) throws -> [String] {
        if let seq = node.sequence { return seq.compactMap { $0.string } }
        guard let s = node.string else { throw RecipeError(file: "", line: node.mark?.line, "expected a value") }
        return [s]
    }

    static func expand(_ value: String, _ variables: [String: String]) -> String {
        var out = value
        for (k, v) in variables { out = out.replacingOccurrences(of: "${\(k)}", with: v) }
        if out.hasPrefix("~/") { out = FileManager.default.homeDirectoryForCurrentUser.path + out.dropFirst(1) }
        return out
    }

    /// The long option names a command accepts, read from its help text.
    static func optionNames(_ type: ParsableCommand.Type) -> [String] {
        let help = type.helpMessage(columns: 1000)
        let regex = try? NSRegularExpression(pattern: "--([a-z0-9][a-z0-9-]*)")
        let range = NSRange(help.startIndex..., in: help)
        let names = regex?.matches(in: help, range: range).compactMap { Range($0.range(at: 1), in: help).map { String(help[$0]) } } ?? []
        return Array(Set(names).subtracting(["help", "version", "out", "report"])).sorted()
    }
}

struct RecipeError: Error, CustomStringConvertible {
    let file: String, line: Int?, message: String
    init(file: String, line: Int?, _ message: String) { (self.file, self.line, self.message) = (file, line, message) }
    var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}
