import ArgumentParser
import Foundation
import LoupeNN
import LoupeReport

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a recipe: several steps into one run folder with a page linking them all.",
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
        var vars = ["PHOTOS": Assets.home.appendingPathComponent("photos").path, "LOUPE_HOME": Assets.home.path]
        for v in variables {
            let parts = v.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--set takes NAME=VALUE, got '\(v)'") }
            vars[parts[0]] = parts[1]
        }
        let outURL = URL(fileURLWithPath: out ?? "Outputs/\(RunFolder.timestamp())-\(URL(fileURLWithPath: recipe).deletingPathExtension().lastPathComponent)")
        vars["RUN"] = outURL.path
        let plan = try Recipe.load(path: recipe, variables: vars, overridden: Set(variables.compactMap { $0.split(separator: "=").first.map(String.init) }))
        // Parse every step before running any, so a typo in step 9 fails in a second, not after step 8.
        let commands = try plan.steps.map { step -> ParsableCommand in
            do {
                return try Loupe.parseAsRoot([step.command] + step.arguments + Recipe.outputArguments(step, in: outURL)
                                             + (quiet ? quietFlag(step) : []))
            } catch {
                throw RecipeError(file: recipe, line: step.line, "step '\(step.name)': \(Loupe.message(for: error))")
            }
        }
        if check {
            print("\(recipe): \(plan.steps.count) steps OK")
            return
        }
        // A recipe run is one unit: running it again replaces the previous run folder, so
        // steps that refuse to overwrite (a robustness sweep without --resume) start clean.
        // Only a folder a recipe made (it holds the marker) is ever removed.
        let fm = FileManager.default
        let marker = outURL.appendingPathComponent(".loupe-recipe-run")
        if fm.fileExists(atPath: outURL.path) {
            let contents = (try? fm.contentsOfDirectory(atPath: outURL.path)) ?? []
            guard contents.isEmpty || fm.fileExists(atPath: marker.path) else {
                throw ValidationError("\(outURL.path) exists and was not made by `loupe run`; choose another --out")
            }
            try fm.removeItem(at: outURL)
        }
        try fm.createDirectory(at: outURL, withIntermediateDirectories: true)
        try Data(recipe.utf8).write(to: marker)
        for step in plan.steps where step.command == "train" {
            try FileManager.default.createDirectory(at: outURL.appendingPathComponent(step.name), withIntermediateDirectories: true)
        }
        var rows: [[String]] = []
        for (i, (step, command)) in zip(plan.steps, commands).enumerated() {
            note("[\(i + 1)/\(plan.steps.count)] \(step.command) \(step.arguments.joined(separator: " "))", quiet: quiet)
            let start = Date()
            try Loupe.execute(command)
            rows.append([step.name, step.command, String(format: "%.1f s", Date().timeIntervalSince(start))])
            try writePage(plan, rows: rows, to: outURL)
        }
        note("report: \(outURL.appendingPathComponent("index.html").path)", quiet: quiet)
    }

    func quietFlag(_ step: Recipe.Step) -> [String] {
        Recipe.optionNames(Recipe.commands[step.command]!.type).contains("quiet") ? ["--quiet"] : []
    }

    func writePage(_ plan: Recipe, rows: [[String]], to url: URL) throws {
        var page = HTMLPage(title: "Recipe · \(plan.name)")
        page.paragraph("Each step wrote its own folder; open its page for pictures and numbers.")
        // Steps without a page (train writes a checkpoint) link to their folder.
        let links = rows.map { row -> String in
            let hasPage = FileManager.default.fileExists(atPath: url.appendingPathComponent(row[0]).appendingPathComponent("index.html").path)
            return "<li><a href=\"\(row[0])/\(hasPage ? "index.html" : "")\">\(row[0])</a> (\(row[1]), \(row[2]))</li>"
        }
        page.raw("<ul>" + links.joined() + "</ul>")
        page.reproduce("loupe run \(plan.file)")
        try page.render().write(to: url.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try? RunIndex.refresh(root: url.deletingLastPathComponent())
    }
}
