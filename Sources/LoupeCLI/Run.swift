import ArgumentParser
import Foundation
import LoupeNN
import LoupeReport

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a recipe: several steps into one run folder, with a page showing what each found.",
        discussion: helpText("""
        A recipe names a model, a seed and steps whose options are exactly the CLI options.
        See Recipes/README.md.

        Examples:
          loupe run Recipes/quickstart.yaml
          loupe run Recipes/panda-to-gibbon.yaml --set IMAGE=my-photo.jpg
          loupe run Recipes/filters.yaml --check       # validate only
        """))

    @Argument(help: "The recipe file.")
    var recipe: String

    @Option(help: "Run folder (default: Outputs/<time>-<recipe name>).")
    var out: String?

    @Option(name: .customLong("set"), help: "Set a recipe variable: NAME=VALUE (used as ${NAME}).")
    var variables: [String] = []

    @Flag(help: "Only check the recipe (keys, steps, options) and exit.")
    var check = false

    @Flag(help: "No progress bars.")
    var quiet = false

    func run() throws {
        let name = URL(fileURLWithPath: recipe).deletingPathExtension().lastPathComponent
        let folder = URL(fileURLWithPath: out ?? "Outputs/\(RunFolder.timestamp())-\(name)")
        var vars = Recipe.builtinVariables(run: folder)
        var overridden = Set<String>()
        for v in variables {
            let parts = v.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--set takes NAME=VALUE, got '\(v)'") }
            (vars[parts[0]], overridden) = (parts[1], overridden.union([parts[0]]))
        }
        var run = try RecipeRun(try Recipe.load(path: recipe, variables: vars, overridden: overridden), folder: folder, quiet: quiet,
                                commandLine: OutputOptions.commandLine)
        if check { return print("\(recipe): \(run.plan.steps.count) steps OK") }
        try run.prepareFolder()
        for (i, step) in run.plan.steps.enumerated() {
            note("[\(i + 1)/\(run.plan.steps.count)] \(step.command) \(step.arguments.joined(separator: " "))", quiet: quiet)
            try run.execute(i)
        }
        if !quiet { print(run.table()) }
        notePage(folder.appendingPathComponent("index.html").path, quiet: quiet)
    }
}
