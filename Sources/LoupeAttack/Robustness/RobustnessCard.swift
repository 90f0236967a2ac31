import Foundation
import LoupeReport

extension RobustnessReport {
    /// Clean accuracy, robust accuracy of each attack at up to three budgets (the
    /// smallest, middle and largest nonzero ε), and the self-audit's verdict.
    static func card(_ r: RobustnessResult, command: String) -> RunCard {
        var figures = [RunCard.Figure("clean accuracy", .percent("clean_accuracy"), .integer("n", prefix: "of "))]
        let attacks = r.rows.map(\.attack).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for attack in attacks {
            let rows = r.rows.indices.filter { r.rows[$0].attack == attack && r.rows[$0].eps > 0 }
            let shown = rows.count <= 3 ? rows : [rows[0], rows[rows.count / 2], rows[rows.count - 1]]
            figures += shown.map { k in
                RunCard.Figure(attack, .number("rows.\(k).eps", prefix: "ε "), .percent("rows.\(k).robust_accuracy", prefix: "→ "))
            }
        }
        let failed = r.audit.filter { !$0.passed }.map(\.check)
        let verdict = failed.isEmpty ? "self-audit: all \(r.audit.count) checks pass"
            : "self-audit FAILED: " + failed.joined(separator: ", ")
        return RunCard(title: "Robustness · " + [r.settings?.model, r.settings?.data].compactMap { $0.map(RunCard.shortName) }.joined(separator: " · "),
                       command: command,
                       picture: "accuracy.svg", figures: figures, verdict: .init(passed: failed.isEmpty, verdict))
    }
}
