import Foundation
import LoupeReport

/// The run folder of `loupe probe`: accuracy.svg (held-out accuracy against depth for the
/// probe, its control task and the random network), probes.csv, result.json, card.json
/// and index.html with the per-layer table.
public enum ProbeReport {
    @discardableResult
    public static func write(_ lab: ProbeResult, to folder: RunFolder, command: String) throws -> ProbeResult {
        var r = lab
        r.command = command
        let svg = plot(r).render(width: 640, height: 340)
        try folder.write(svg, to: "accuracy.svg")
        var csv = "layer,depth,features,dimensions,accuracy,train_accuracy,control_accuracy,selectivity,random_network_accuracy\n"
        func cell(_ v: Double?) -> String { v.map { String(format: "%.6f", $0) } ?? "" }
        for l in r.layers {
            csv += "\(l.layer.replacingOccurrences(of: ",", with: ";")),\(l.depth),\(l.features),\(l.dimensions),"
                + "\(cell(l.probe.accuracy)),\(cell(l.probe.trainAccuracy)),\(cell(l.control?.accuracy)),\(cell(l.selectivity)),"
                + "\(cell(l.randomNetwork?.accuracy))\n"
        }
        try folder.write(csv, to: "probes.csv")
        r.plot = folder.finalPath("accuracy.svg")
        try folder.writeResult(r)
        try folder.writeCard(card(r, command: command))

        let title = "Linear probes · \(r.model) · \(r.layers.count) layers"
        var page = HTMLPage(title: title)
        page.paragraph("A multinomial logistic regression (L2, λ = \(r.l2), on standardized features, fit by L-BFGS) per layer, "
                       + "trained on \(r.train.n) images of \(r.train.source) and judged on \(r.test.n) held-out images of \(r.test.source). "
                       + "The control task gives every image a random label fixed by its identity (Hewitt & Liang 2019): a probe that "
                       + "reads the representation scores chance on it, so selectivity = task − control accuracy. The random network is "
                       + "the same architecture with random weights (\(r.randomNetwork)): what a probe finds there comes from the "
                       + "architecture and the probe, not from training. Chance (the majority class) is "
                       + String(format: "%.1f%%.", r.chance * 100))
        page.svg(svg)
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }
        page.table(headers: ["depth", "layer", "features", "probe (held-out)", "probe (train)", "control (held-out / train)",
                             "selectivity", "random network", "L-BFGS iterations"],
                   rows: r.layers.map { l in
                       [String(l.depth), l.layer, "\(l.dimensions) \(l.features == "channel-mean" ? "channel means" : "values")",
                        pct(l.probe.accuracy), pct(l.probe.trainAccuracy),
                        l.control.map { "\(pct($0.accuracy)) / \(pct($0.trainAccuracy))" } ?? "—",
                        l.selectivity.map { String(format: "%+.1f pts", $0 * 100) } ?? "—", pct(l.randomNetwork?.accuracy),
                        "\(l.probe.iterations)" + (l.probe.converged ? "" : " (not converged)")]
                   })
        page.reproduce(command)
        try folder.write(page.render(), to: "index.html")
        return r
    }

    static func plot(_ r: ProbeResult) -> SVGPlot {
        var series = [SVGPlot.Series(name: "probe", points: r.layers.map { (Double($0.depth), $0.probe.accuracy) })]
        let control = r.layers.compactMap { l in l.control.map { (x: Double(l.depth), y: $0.accuracy) } }
        if !control.isEmpty { series.append(.init(name: "control task", points: control)) }
        let random = r.layers.compactMap { l in l.randomNetwork.map { (x: Double(l.depth), y: $0.accuracy) } }
        if !random.isEmpty { series.append(.init(name: "random network", points: random)) }
        series.append(.init(name: "chance", points: r.layers.map { (Double($0.depth), r.chance) }))
        return SVGPlot(title: "Held-out probe accuracy by depth · \(r.model)", xLabel: "layer (tap index)", yLabel: "accuracy",
                       series: series, yRange: 0...1)
    }

    static func card(_ r: ProbeResult, command: String) -> RunCard {
        RunCard(title: "Linear probes · \(r.model) · \(r.test.source)", command: command, picture: "accuracy.svg", figures: [
            .init("best layer", .text("best_layer"), .percent("best_accuracy", prefix: "held-out ")),
            .init("chance", .percent("chance")),
            .init("images", .integer("train.n", prefix: "train "), .integer("test.n", prefix: "test ")),
        ])
    }
}
