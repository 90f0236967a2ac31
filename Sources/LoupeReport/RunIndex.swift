import Foundation

/// `Outputs/index.html`: a gallery of every run folder that has a page, newest first,
/// each with its picture, command, date and headline numbers (from its `card.json`).
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
        let runs = try entries(in: root)
        var page = HTMLPage(title: "Loupe runs")
        if runs.isEmpty {
            page.paragraph("No runs yet.")
        } else {
            page.paragraph("\(runs.count) run\(runs.count == 1 ? "" : "s"), newest first. Each card shows what the run found; "
                           + "open it for the full report.")
            page.cards(runs.map { CardView($0.card, folder: $0.name, heading: $0.name, note: dateText($0.date)) })
        }
        try page.render().write(to: root.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
    }

    /// Every run folder of `root` with a page, newest first. A folder without a card (made
    /// by an older Loupe) shows its first picture.
    static func entries(in root: URL) throws -> [(name: String, card: RunCard, date: Date)] {
        let fm = FileManager.default
        let runs = try fm.contentsOfDirectory(atPath: root.path).filter { name in
            !name.hasPrefix(".") && fm.fileExists(atPath: root.appendingPathComponent(name).appendingPathComponent("index.html").path)
        }
        return runs.map { name in
            let folder = root.appendingPathComponent(name)
            let page = folder.appendingPathComponent("index.html").path
            let modified = (try? fm.attributesOfItem(atPath: page)[.modificationDate] as? Date) ?? .distantPast
            let card = RunCard.read(from: folder)
                ?? RunCard(title: name, command: "", picture: firstPicture(in: folder), figures: [])
            return (name, card, card.written ?? modified)
        }
        .sorted { ($0.date, $0.name) > ($1.date, $1.name) }
    }

    static func firstPicture(in folder: URL) -> String? {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".png") || $0.hasSuffix(".svg")) }.sorted().first
    }

    static func dateText(_ date: Date) -> String {
        guard date != .distantPast else { return "" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return f.string(from: date)
    }
}
