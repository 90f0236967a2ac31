import Foundation
import LoupeData
import LoupeReport

/// The run folder of `loupe concept`: scores.svg (TCAV scores per concept beside the
/// random reference), sets.png (the first images of each set as the model sees them),
/// result.json, card.json and index.html.
public enum ConceptReport {
    @discardableResult
    public static func write(_ lab: ConceptLab, to folder: RunFolder, command: String) throws -> ConceptResult {
        var r = lab.result
        r.command = command
        let title = "TCAV · \(r.classImages.name) at \(r.layer) · \(r.model)"
        let chart = ScoreChart(title: "TCAV scores for \(r.classImages.name) at \(r.layer)",
                               bars: r.concepts.map { .init(name: $0.name, scores: $0.scores, significant: $0.significant) }
                                   + [.init(name: "random", scores: r.randomScores, significant: nil)]).render()
        try folder.write(chart, to: "scores.svg")
        let columns = lab.samples.map(\.images.count).max() ?? 1
        let rows = lab.samples.flatMap { s in s.images + Array(repeating: s.images.last!, count: columns - s.images.count) }
        try folder.write(Data(try ImageGrid.make(rows, columns: columns, cell: 56, gap: 2).pngData()), to: "sets.png")
        r.plot = folder.finalPath("scores.svg")
        r.sets = folder.finalPath("sets.png")
        try folder.writeResult(r)
        try folder.writeCard(card(r, command: command))

        var page = HTMLPage(title: title)
        page.paragraph("For each concept, one concept activation vector (CAV) per random set: the normal of a logistic regression "
                       + "that separates the concept's activations at \(r.layer) (\(r.dimensions) values) from the random set's. The TCAV "
                       + "score is the fraction of the \(r.classImages.n) images of \(r.classImages.source) whose \(r.classImages.name) "
                       + "logit rises along the CAV (a positive directional derivative, Kim et al. 2018). Each concept's scores are "
                       + "tested against random-vs-random CAVs' scores by a two-sided Welch t-test; a concept is significant at p < "
                       + String(format: "%.4g", r.threshold) + ".")
        page.svg(chart)
        func f(_ v: Double) -> String { String(format: "%.3f", v) }
        page.table(headers: ["concept", "TCAV score (mean ± sd)", "CAV accuracy (held-out)", "t", "df", "p", "verdict"],
                   rows: r.concepts.map { c in
                       [c.source, "\(f(c.mean)) ± \(f(c.std))", String(format: "%.1f%%", c.cavAccuracy * 100),
                        c.test.t.map { String(format: "%.2f", $0) } ?? "—", String(format: "%.1f", c.test.degreesOfFreedom),
                        String(format: "%.3g", c.test.p), c.significant ? "significant" : "not significant"]
                   } + [["random vs random", "\(f(r.randomMean)) ± \(f(ConceptLab.standardDeviation(r.randomScores)))",
                         String(format: "%.1f%%", r.randomCAVAccuracy * 100), "", "", "", "reference"]])
        for note in r.notes { page.paragraph(note) }
        page.paragraph("Rows of sets.png: " + lab.samples.map(\.name).joined(separator: ", ") + " (the first images of each, as the model sees them).")
        page.raw("<p><img src=\"sets.png\" alt=\"concept and random sets\" style=\"image-rendering:pixelated\"></p>")
        page.reproduce(command)
        try folder.write(page.render(), to: "index.html")
        return r
    }

    static func card(_ r: ConceptResult, command: String) -> RunCard {
        RunCard(title: "TCAV · \(r.classImages.name) at \(r.layer) · \(r.model)", command: command, picture: "scores.svg", figures: [
            .init("concept", .text("concepts.0.name"), .number("concepts.0.mean", prefix: "TCAV ")),
            .init("p", .number("concepts.0.test.p")),
            .init("random", .number("random_mean", prefix: "TCAV ")),
        ])
    }
}
