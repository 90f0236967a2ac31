import Foundation

/// `Outputs/index.html`: a list of every run folder that has a page, newest first.
///
/// Loupe keeps such an index only in a folder it owns: `Outputs/` of the working
/// directory (where runs go by default) or a folder marked with a `.loupe-runs` file.
/// Any other parent of `--out DIR` is the user's (`--out ~/site/adv` must not touch
/// `~/site/index.html`), and Loupe writes nothing there but the run itself.
public enum RunIndex {
    /// The file that makes a folder Loupe's to index.
    public static let marker = ".loupe-runs"

    public static func owns(_ root: URL) -> Bool {
        let path = root.standardizedFileURL.path
        return path == URL(fileURLWithPath: "Outputs").standardizedFileURL.path
            || FileManager.default.fileExists(atPath: root.appendingPathComponent(marker).path)
    }

    /// Rewrites the index of `root` if Loupe owns it; otherwise does nothing.
    public static func refresh(root: URL) throws {
        guard owns(root) else { return }
        let fm = FileManager.default
        let runs = (try fm.contentsOfDirectory(atPath: root.path))
            .filter { !$0.hasPrefix(".") && fm.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("index.html").path) }
            .sorted(by: >)
        var page = HTMLPage(title: "Loupe runs")
        if runs.isEmpty { page.paragraph("No runs yet.") }
        page.raw("<ul>" + runs.map { "<li><a href=\"\(escapeAttribute($0))/index.html\">\(escape($0))</a></li>" }.joined() + "</ul>")
        try page.render().write(to: root.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
    }
}
