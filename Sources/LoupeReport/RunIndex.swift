import Foundation

/// `Outputs/index.html`: a list of every run folder that has a page, newest first.
public enum RunIndex {
    public static func refresh(root: URL) throws {
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
