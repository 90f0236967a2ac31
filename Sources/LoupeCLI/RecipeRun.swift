import ArgumentParser
import Foundation
import LoupeReport

/// One run of a recipe: its folder, its steps as parsed commands, and the page that links
/// every step's report, rewritten after each step so an interrupted run still shows what
/// finished.
struct RecipeRun {
    let plan: Recipe
    let folder: URL
    let commands: [ParsableCommand]
    private(set) var rows: [[String]] = []

    /// Parses every step before any runs, so a typo in step 9 fails in a second, not after
    /// step 8.
    init(_ plan: Recipe, folder: URL, quiet: Bool) throws {
        (self.plan, self.folder) = (plan, folder)
        commands = try plan.steps.map { step in
            let quietFlag = quiet && Recipe.optionNames(Recipe.commands[step.command]?.type ?? Run.self).contains("quiet")
            do {
                return try Loupe.parseAsRoot([step.command] + step.arguments + Recipe.outputArguments(step, in: folder)
                                             + (quietFlag ? ["--quiet"] : []))
            } catch {
                throw RecipeError(file: plan.file, line: step.line, "step '\(step.name)': \(Loupe.message(for: error))")
            }
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

    /// Runs step `i`, then refreshes the page.
    mutating func execute(_ i: Int) throws {
        let step = plan.steps[i]
        let start = Date()
        try Loupe.execute(commands[i])
        rows.append([step.name, step.command, String(format: "%.1f s", Date().timeIntervalSince(start))])
        try writePage()
    }

    func writePage() throws {
        var page = HTMLPage(title: "Recipe · \(plan.name)")
        page.paragraph("Each step wrote its own folder; open its page for pictures and numbers.")
        // Steps without a page (train writes a checkpoint) link to their folder.
        let links = rows.map { row -> String in
            let hasPage = FileManager.default.fileExists(atPath: folder.appendingPathComponent(row[0]).appendingPathComponent("index.html").path)
            return "<li><a href=\"\(row[0])/\(hasPage ? "index.html" : "")\">\(row[0])</a> (\(row[1]), \(row[2]))</li>"
        }
        page.raw("<ul>" + links.joined() + "</ul>")
        page.reproduce("loupe run \(plan.file)")
        try page.render().write(to: folder.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
        try? RunIndex.refresh(root: folder.deletingLastPathComponent())
    }
}

extension Loupe {
    /// Checks a recipe the way `loupe run --check` does (keys, steps, every step's options)
    /// without running a step or writing a file; returns the number of steps. Public for the
    /// fuzz target (Fuzz/Sources/FuzzRecipe), which feeds it arbitrary text.
    public static func checkRecipe(_ text: String, file: String) throws -> Int {
        let folder = URL(fileURLWithPath: "/nonexistent/loupe-recipe-check")
        let plan = try Recipe.parse(text, file: file, variables: Recipe.builtinVariables(run: folder))
        return try RecipeRun(plan, folder: folder, quiet: true).plan.steps.count
    }
}
