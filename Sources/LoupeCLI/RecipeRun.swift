import ArgumentParser
import Foundation
import LoupeReport

/// One run of a recipe: its folder, its steps as parsed commands, and its page, a card per
/// finished step (its picture and headline numbers, from the card.json the step's report
/// wrote) linking to the step's own page. The page is rewritten after each step, so an
/// interrupted run still shows what finished.
struct RecipeRun {
    let plan: Recipe
    let folder: URL
    let commands: [ParsableCommand]
    /// Each step as the single command it stands for, for its report's "reproduce" line.
    let commandLines: [String]
    /// The command that runs the whole recipe.
    let commandLine: String
    private(set) var done: [RecipeResult.Step] = []
    private let started = Date()

    /// Parses every step before any runs, so a typo in step 9 fails in a second, not after
    /// step 8.
    init(_ plan: Recipe, folder: URL, quiet: Bool, commandLine: String) throws {
        (self.plan, self.folder, self.commandLine) = (plan, folder, commandLine)
        commands = try plan.steps.map { step in
            let quietFlag = quiet && Recipe.optionNames(Recipe.commands[step.command]?.type ?? Run.self).contains("quiet")
            do {
                return try Loupe.parseAsRoot([step.command] + step.arguments + Recipe.outputArguments(step, in: folder)
                                             + (quietFlag ? ["--quiet"] : []))
            } catch {
                throw RecipeError(file: plan.file, line: step.line, "step '\(step.name)': \(Loupe.message(for: error))")
            }
        }
        commandLines = plan.steps.map { step in
            OutputOptions.quoted(["loupe", step.command] + step.arguments + Recipe.outputArguments(step, in: folder))
        }
    }

    /// A recipe run is one unit: running it again replaces the previous run folder, so
    /// steps that refuse to overwrite (a robustness sweep without --resume) start clean.
    /// Only a folder a recipe made (it holds the marker) is ever removed.
    func prepareFolder() throws {
        let fm = FileManager.default
        let marker = folder.appendingPathComponent(".loupe-recipe-run")
        if fm.fileExists(atPath: folder.path) {
            let contents = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? []
            guard contents.isEmpty || fm.fileExists(atPath: marker.path) else {
                throw ValidationError("\(folder.path) exists and was not made by `loupe run`; choose another --out")
            }
            try fm.removeItem(at: folder)
        }
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(plan.file.utf8).write(to: marker)
        for step in plan.steps where step.command == "train" {
            try fm.createDirectory(at: folder.appendingPathComponent(step.name), withIntermediateDirectories: true)
        }
    }

    /// Runs step `i` as the single command it stands for, then refreshes the page.
    mutating func execute(_ i: Int) throws {
        let step = plan.steps[i]
        let start = Date()
        try OutputOptions.$stepCommandLine.withValue(commandLines[i]) { try Loupe.execute(commands[i]) }
        done.append(.init(name: step.name, command: commandLines[i], folder: step.name, seconds: Date().timeIntervalSince(start)))
        try writePage()
    }

    /// Each finished step with the card its report wrote (nil if it wrote none).
    var cards: [(step: RecipeResult.Step, card: RunCard?)] {
        done.map { ($0, RunCard.read(from: folder.appendingPathComponent($0.folder))) }
    }

    var result: RecipeResult {
        RecipeResult(name: plan.name, recipe: plan.file, command: commandLine, completed: done.count, total: plan.steps.count,
                     seconds: Date().timeIntervalSince(started), steps: done)
    }

    /// The page, result.json and card of the run so far.
    func writePage() throws {
        let run = try RunFolder(resumable: folder)
        let cards = self.cards
        // The gallery shows the run by its first picture, a photo or sheet rather than a plot if there is one.
        let pictures = cards.compactMap { c in c.card?.picture.map { "\(c.step.folder)/\($0)" } }
        try run.writeResult(result)
        try run.writeCard(RunCard(
            title: "Recipe · \(plan.name)", command: commandLine, picture: pictures.first { $0.hasSuffix(".png") } ?? pictures.first,
            figures: [.init("steps", .integer("completed"), .integer("total", prefix: "of ")), .init("seconds", .number("seconds"))]))

        var page = HTMLPage(title: "Recipe · \(plan.name)")
        page.paragraph("What each step found: its picture and headline numbers. Open a card for the step's full page.")
        page.cards(cards.enumerated().map { i, c in
            CardView(c.card ?? RunCard(title: c.step.name, command: c.step.command, picture: nil, figures: []),
                     folder: c.step.folder, heading: "\(i + 1). \(c.step.name)",
                     note: "\(plan.steps[i].command) · " + String(format: "%.1f s", c.step.seconds), foldCommand: true)
        })
        let pending = plan.steps.dropFirst(done.count).map(\.name)
        if !pending.isEmpty { page.paragraph("Not run yet: " + pending.joined(separator: ", ") + ".") }
        page.reproduce(commandLine)
        try run.write(page.render(), to: "index.html")
        try run.finish()
    }

    /// The closing table: each step's first headline numbers, one line per step.
    func table(figures: Int = 3) -> String {
        let rows = cards.map { ($0.step.name, $0.card?.headline(limit: figures) ?? "") }
        let width = max(4, rows.map(\.0.count).max() ?? 0)
        func pad(_ s: String) -> String { s + String(repeating: " ", count: max(width - s.count, 0)) }
        return ([pad("step") + "  headline"] + rows.map { pad($0.0) + "  " + $0.1 }).joined(separator: "\n")
    }
}

extension Loupe {
    /// Checks a recipe the way `loupe run --check` does (keys, steps, every step's options)
    /// without running a step or writing a file; returns the number of steps. Public for the
    /// fuzz target (Fuzz/Sources/FuzzRecipe), which feeds it arbitrary text.
    public static func checkRecipe(_ text: String, file: String) throws -> Int {
        let folder = URL(fileURLWithPath: "/nonexistent/loupe-recipe-check")
        let plan = try Recipe.parse(text, file: file, variables: Recipe.builtinVariables(run: folder))
        return try RecipeRun(plan, folder: folder, quiet: true, commandLine: "loupe run \(file)").plan.steps.count
    }
}
