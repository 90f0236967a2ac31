import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor

/// The run folder of `loupe attack`: the original, adversarial and amplified perturbation
/// images (and the three side by side for the card), the probability and loss
/// trajectories, result.json, card.json and index.html.
public enum AttackReport {
    /// Writes the report; `labels` name the classes in plots and prose.
    @discardableResult
    public static func write(
        _ example: AdversarialExample, original: Tensor, adversarial: Tensor, labels: [String], to folder: RunFolder, command: String
    ) throws -> AttackResult {
        let triple = [try Image.images(from: original)[0], try Image.images(from: adversarial)[0], try amplified(adversarial, original)]
        for (image, name) in zip(triple, ["original.png", "adversarial.png", "perturbation.png"]) {
            try folder.write(Data(try image.pngData()), to: name)
        }
        try folder.write(Data(try ImageGrid.make(triple, columns: 3, cell: max(original.shape.last ?? 0, 112)).pngData()), to: "triple.png")
        let probabilityPlot = trajectoryPlot(example, labels: labels)
        try folder.write(probabilityPlot.render(), to: "trajectory.svg")
        let result = AttackResult(
            files: .init(run: folder.url.path, original: folder.finalPath("original.png"),
                         adversarial: folder.finalPath("adversarial.png"), perturbation: folder.finalPath("perturbation.png")),
            command: command, example: example)
        try folder.writeResult(result)
        try folder.writeCard(card(example, labels: labels, command: command))
        try folder.write(page(example, labels: labels, plot: probabilityPlot, pixelated: (original.shape.last ?? 0) < 64,
                              command: command), to: "index.html")
        return result
    }

    static func page(_ e: AdversarialExample, labels: [String], plot: SVGPlot, pixelated: Bool, command: String) -> String {
        func name(_ c: Int) -> String { c < labels.count ? labels[c] : "class \(c)" }
        func percent(_ p: Prediction?) -> String { p.map { String(format: "%@ %.1f%%", $0.name, $0.probability * 100) } ?? "" }
        func rows(_ t: AdversarialExample.Top) -> [[String]] {
            t.top.map { ["\($0.index)", $0.name, String(format: "%.2f%%", $0.probability * 100)] }
        }
        let s = e.settings
        var page = HTMLPage(title: "\(s.method.rawValue.uppercased()) \(s.norm == .l2 ? "L2" : "L∞") · \(e.model) · \((e.image as NSString).lastPathComponent)")
        let verdict = e.target.map { "target \(name($0)): " + (e.success ? "reached" : "not reached") }
            ?? (e.success ? "top-1 changed" : "top-1 unchanged")
        page.badges([(name: "after 8-bit rounding", passed: e.success, detail: verdict
                      + String(format: " (before rounding: %@)", e.successBeforeQuantization ? "succeeded" : "failed"))]
                    + (e.roundingWarning.map { [(name: "the saved image differs from the original", passed: false, detail: $0)] } ?? []))
        page.paragraph(e.roundingLine.prefix(1).uppercased() + e.roundingLine.dropFirst() + "."
                       + (e.queries.map { " The attack made \($0) model queries." } ?? "")
                       + (e.brokenBy.map { " Broken by \($0)." } ?? ""))
        page.imageGrid([
            (path: "original.png", caption: "original: \(percent(e.before.top.first))"),
            (path: "adversarial.png", caption: "adversarial: \(percent(e.after.top.first))"),
            (path: "perturbation.png", caption: String(format: "perturbation ×%.0f (L∞ %.4f = %.1f/255, L2 %.3f)",
                                                       0.5 / max(Double(e.linf), 1e-12), e.linf, e.linf * 255, e.l2)),
        ], pixelated: pixelated)
        page.heading("Top-5 before")
        page.table(headers: ["class", "name", "probability"], rows: rows(e.before))
        page.heading("Top-5 after")
        page.table(headers: ["class", "name", "probability"], rows: rows(e.after))
        page.heading("Trajectory")
        if let flip = e.flipStep, let step = e.trajectory.first(where: { $0.step == flip }) {
            page.paragraph("At step \(flip) the top-1 became \(name(step.predicted))" + (e.target == nil ? "" : " (the target)") + ".")
        }
        page.svg(plot.render())
        page.svg(SVGPlot(title: "Attack loss per step", xLabel: "step", yLabel: "loss",
                         series: [SVGPlot.Series(name: s.loss.rawValue, points: e.trajectory.map { (Double($0.step), Double($0.loss)) })]).render())
        page.reproduce(command)
        return page.render()
    }

    /// The perturbation scaled so its largest component spans half the gray range.
    static func amplified(_ x: Tensor, _ x0: Tensor) throws -> Image {
        let a = x.scalars, b = x0.scalars
        let m = zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
        let scale: Float = m > 0 ? 0.5 / m : 0
        return try Image.images(from: try Tensor(shape: x.shape, scalars: zip(a, b).map { 0.5 + ($0 - $1) * scale }))[0]
    }

    static func trajectoryPlot(_ e: AdversarialExample, labels: [String]) -> SVGPlot {
        func name(_ c: Int) -> String { c < labels.count ? labels[c] : "class \(c)" }
        let t = e.trajectory
        var series = [SVGPlot.Series(name: "p(\(name(e.trueClass)))", points: t.map { (Double($0.step), Double($0.trueProbability)) })]
        if let target = e.target {
            series.append(SVGPlot.Series(name: "p(\(name(target)))", points: t.compactMap { s in s.targetProbability.map { (Double(s.step), Double($0)) } }))
        }
        var plot = SVGPlot(title: "Class probabilities per step", xLabel: "step", yLabel: "probability", series: series, yRange: 0...1)
        if let flip = e.flipStep { plot.marker = (Double(flip), e.target.map { "→ \(name($0))" } ?? "top-1 changes") }
        return plot
    }
}
