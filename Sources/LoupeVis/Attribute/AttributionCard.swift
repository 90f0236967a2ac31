import Foundation
import LoupeReport

extension AttributionReport {
    /// Methods a card shows.
    static let methodsOnCard = 4

    /// The target class, each method's score (and Integrated Gradients' completeness
    /// error), the sanity check's verdict when it ran, with the maps over the image as
    /// the picture.
    static func card(_ r: AttributionResult, picture: String, command: String) -> RunCard {
        var figures = [RunCard.Figure("target", .text("target.name"), .integer("target.index", prefix: "class "))]
        for (i, entry) in r.attributions.prefix(methodsOnCard).enumerated() {
            var values: [RunCard.Quantity] = []
            if entry.figures["score"] != nil { values.append(.number("attributions.\(i).figures.score", prefix: "score ")) }
            if entry.figures["completeness_error"] != nil {
                values.append(.percent("attributions.\(i).figures.completeness_error", prefix: "completeness error "))
            }
            values.append(.integer("attributions.\(i).peak.x", prefix: "peak at x "))
            values.append(.integer("attributions.\(i).peak.y", prefix: "y "))
            figures.append(.init(entry.method, values: values))
        }
        var verdict: RunCard.Verdict?
        if let sanity = r.sanity, !sanity.isEmpty {
            for (i, s) in sanity.prefix(methodsOnCard).enumerated() where s.meanAbsSpearman != nil {
                figures.append(.init("\(s.method) sanity", .number("sanity.\(i).mean_abs_spearman", prefix: "mean |ρ| ")))
            }
            let failed = sanity.filter { $0.passed != true }.map(\.method)
            verdict = .init(passed: failed.isEmpty, failed.isEmpty ? "sanity check: every map changes with the model"
                                : "sanity check failed: " + failed.joined(separator: ", "))
        }
        return RunCard(title: "Attribution · \(r.model) · \((r.image as NSString).lastPathComponent)", command: command,
                       picture: picture, figures: figures, verdict: verdict)
    }
}
