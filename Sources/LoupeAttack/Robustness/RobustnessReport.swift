import Foundation
import LoupeReport

/// The files of a robustness report: result.json, accuracy.svg, card.json and index.html, written
/// into the sweep's folder beside its records (a resumable folder replaces each file
/// atomically, so a finished sweep never shows a half-written page).
public enum RobustnessReport {
    public static func write(_ summary: RobustnessSummary, to folder: RunFolder, command: String) throws {
        let result = summary.result(run: folder.url.path)
        try folder.writeResult(result)
        let plot = accuracyPlot(summary).render()
        try folder.write(plot, to: "accuracy.svg")
        try folder.writeCard(card(result, command: command))
        try folder.write(page(summary, command: command, plot: plot), to: "index.html")
    }

    static func accuracyPlot(_ s: RobustnessSummary) -> SVGPlot {
        var series = s.settings.attacks.map { m in
            SVGPlot.Series(name: m.rawValue, points: s.rows.filter { $0.attack == m }.map { (Double($0.eps), $0.robust.value) })
        }
        let eps = s.settings.epsilons
        series.append(SVGPlot.Series(name: "clean", points: [(Double(eps.first ?? 0), s.clean.value), (Double(eps.last ?? 0), s.clean.value)]))
        return SVGPlot(title: "Robust accuracy vs ε (\(s.settings.norm == .l2 ? "L2" : "L∞"))", xLabel: "ε", yLabel: "accuracy",
                       series: series, yRange: 0...1)
    }

    static func page(_ s: RobustnessSummary, command: String, plot: String) -> String {
        func pct(_ v: Double) -> String { String(format: "%.2f%%", v * 100) }
        func ci(_ p: Proportion) -> String { let c = p.ci95; return "[\(pct(c.lower)), \(pct(c.upper))]" }
        var page = HTMLPage(title: "Robustness · \(s.settings.model) · \(s.settings.data)")
        page.heading("Self-audit")
        page.badges(s.audit.map { (name: $0.check, passed: $0.passed, detail: $0.detail) })
        page.paragraph("\(s.n) samples; clean accuracy \(pct(s.clean.value)) \(ci(s.clean)). Robust accuracy counts every "
                       + "sample that is still classified correctly under attack; attack success rate counts, among the "
                       + "\(s.clean.successes) samples correct before the attack, those the attack broke. Intervals are "
                       + "Wilson 95%. Budgets cascade: a sample broken at a smaller ε is not attacked again at a larger one.")
        page.svg(plot)
        page.heading("Accuracy vs ε")
        page.table(headers: ["attack", "ε", "robust accuracy", "95% CI", "success rate", "95% CI", "attacked"],
                   rows: s.rows.map { r in
                       [r.attack.rawValue, String(format: "%g", r.eps), pct(r.robust.value), ci(r.robust),
                        pct(r.success.value), ci(r.success), "\(r.attacked)"]
                   })
        let cascades = s.rows.filter { $0.contributions != nil }
        if !cascades.isEmpty {
            page.heading("Which attack broke what")
            page.paragraph("Each attack of a cascade runs only on the samples the ones before it left correctly classified, "
                           + "so every sample gets its worst case; the counts are of samples correct before the attack.")
            page.table(headers: ["attack", "ε", "contributions"],
                       rows: cascades.map { [$0.attack.rawValue, String(format: "%g", $0.eps), $0.contributions ?? ""] })
        }
        let spending = s.rows.compactMap { r in r.queries.map { (r, $0) } }
        if !spending.isEmpty {
            page.heading("Model queries")
            page.table(headers: ["attack", "ε", "queries", "per sample queried", "median to break"],
                       rows: spending.map { r, q in
                           [r.attack.rawValue, String(format: "%g", r.eps), "\(q.total)", String(format: "%.1f", q.mean),
                            q.medianToBreak.map { String(format: "%g", $0) } ?? "–"]
                       })
        }
        if !s.accuracyPerStep.isEmpty {
            page.heading("Accuracy vs steps at ε = \(String(format: "%g", s.settings.epsilons.last ?? 0))")
            page.svg(SVGPlot(title: "Accuracy after each step", xLabel: "step", yLabel: "accuracy",
                             series: s.accuracyPerStep.map { a in
                                 SVGPlot.Series(name: a.attack.rawValue, points: a.accuracy.enumerated().map { (Double($0.offset), $0.element) })
                             }, yRange: 0...1).render())
        }
        let st = s.settings
        page.paragraph("Settings: attacks \(st.attacks.map(\.rawValue).joined(separator: ", ")), norm \(st.norm.rawValue), "
                       + "loss \((st.loss ?? .ce).rawValue), steps \(st.steps)"
                       + (st.attackSteps.map { " (" + $0.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")" } ?? "")
                       + ", α \(st.alpha.map { String(format: "%g", $0) } ?? "2.5·ε/steps"), restarts \(st.restarts), seed \(st.seed)"
                       + (st.shard.map { ", shard \($0) of samples \(st.ids)" } ?? "") + ".")
        page.link("per-sample records (JSON lines)", to: "records.jsonl")
        page.reproduce(command)
        return page.render()
    }
}
