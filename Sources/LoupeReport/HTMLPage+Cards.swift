import Foundation

/// A run's card as a page shows it: a recipe's page shows its steps, the gallery of
/// `Outputs/` its runs.
public struct CardView {
    public var card: RunCard
    /// The run folder relative to the page ("panda-to-gibbon"); the card's picture and
    /// page are under it.
    public var folder: String
    public var heading: String
    /// A line under the heading: the command and its time, or the date.
    public var note: String
    /// Show the command only when asked (a recipe's steps, whose commands are long and alike).
    public var foldCommand: Bool

    public init(_ card: RunCard, folder: String, heading: String, note: String, foldCommand: Bool = false) {
        (self.card, self.folder, self.heading, self.note, self.foldCommand) = (card, folder, heading, note, foldCommand)
    }
}

extension HTMLPage {
    /// Cards in a responsive grid, each with its picture and headline numbers and linking
    /// to its run's full page. Every number carries the result.json key it shows
    /// (`data-key`) and its exact value (`data-value`), so anyone can check it.
    public mutating func cards(_ views: [CardView]) {
        raw("<div class=\"cards\">" + views.map(Self.card).joined(separator: "\n") + "</div>")
    }

    static func card(_ view: CardView) -> String {
        let c = view.card
        let page = href(view.folder, c.page)
        var html = "<article class=\"card\" data-run=\"\(escapeAttribute(view.folder))\">"
        if let picture = c.picture {
            html += "<a class=\"thumb\" href=\"\(page)\"><img src=\"\(href(view.folder, picture))\" alt=\"\(escapeAttribute(c.title))\"></a>"
        } else {
            html += "<a class=\"thumb none\" href=\"\(page)\">no picture</a>"
        }
        html += "<div class=\"body\"><h3><a href=\"\(page)\">\(escape(view.heading))</a></h3>"
        if !view.note.isEmpty { html += "<p class=\"muted\">\(escape(view.note))</p>" }
        html += "<p>\(escape(c.title))</p>"
        if !c.figures.isEmpty {
            html += "<dl>" + c.figures.map { f in
                "<dt>\(escape(f.label))</dt><dd>" + f.values.map(quantity).joined(separator: " ") + "</dd>"
            }.joined() + "</dl>"
        }
        if let v = c.verdict {
            html += "<p class=\"verdict \(v.passed ? "pass" : "fail")\">\(v.passed ? "✔" : "✘") \(escape(v.text))</p>"
        }
        if !c.command.isEmpty {
            let command = "<pre class=\"command\">\(escape(c.command))</pre>"
            html += view.foldCommand ? "<details><summary>command</summary>\(command)</details>" : command
        }
        return html + "</div></article>"
    }

    static func quantity(_ q: RunCard.Quantity) -> String {
        var attributes = "class=\"q\" data-key=\"\(escapeAttribute(q.key))\" data-format=\"\(q.format.rawValue)\""
        if case let .number(v)? = q.value { attributes += " data-value=\"\(v)\"" }
        return escape(q.prefix) + "<span \(attributes)>\(escape(q.shown))</span>"
    }

    /// `folder/file` as a relative URL: each part percent-encoded, so a step named
    /// "a b#1" still links to its folder.
    static func href(_ folder: String, _ file: String) -> String {
        let parts = (folder.split(separator: "/") + file.split(separator: "/")).map {
            String($0).addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#;"))) ?? String($0)
        }
        return escapeAttribute(parts.joined(separator: "/"))
    }
}
