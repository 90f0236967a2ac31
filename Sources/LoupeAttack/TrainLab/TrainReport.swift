import Foundation
import LoupeReport

/// The run folder of `loupe train --report DIR`: the loss and the accuracy of every epoch
/// (the ELBO for a VAE), plotted and tabled, beside the checkpoint they describe.
public enum TrainReport {
    public static func write(_ result: TrainResult, to folder: RunFolder, command: String) throws {
        try folder.writeResult(result)
        let epochs = result.epochs
        let loss = SVGPlot(title: "Training loss per epoch", xLabel: "epoch", yLabel: result.generative ? "−ELBO (nats/image)" : "loss",
                           series: [.init(name: "training loss", points: epochs.map { (Double($0.epoch), $0.loss) })])
        try folder.write(loss.render(), to: "loss.svg")
        let second = result.generative ? elboPlot(epochs) : accuracyPlot(epochs)
        try folder.write(second.plot.render(), to: second.file)
        try folder.writeCard(card(result, command: command))

        func pct(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }
        func nats(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "–" }
        let heldOut = epochs.contains { $0.testAccuracy != nil || $0.testELBO != nil }
        var page = HTMLPage(title: "Training · \(URL(fileURLWithPath: result.out).lastPathComponent)")
        let figure = result.generative ? "ELBO \(nats(result.elbo)) nats/image" : "accuracy \(pct(result.accuracy))"
        page.paragraph("Checkpoint \(result.out): \(epochs.count) epoch(s), \(figure)"
                       + (heldOut ? " on the held-out data" : " on the training data")
                       + String(format: ", %.0f images/s.", result.imagesPerSecond)
                       + (result.generative ? " The ELBO (evidence lower bound, one sample of z per image) is the negative of the "
                                              + "Bernoulli reconstruction loss plus the KL term; it rises as the VAE learns." : "")
                       + (result.interrupted ? " Stopped early; `loupe train --resume` continues it." : ""))
        page.svg(loss.render())
        page.svg(second.plot.render())
        if result.generative {
            page.table(headers: ["epoch", "training ELBO", "held-out ELBO", "seconds"],
                       rows: epochs.map { ["\($0.epoch)", nats($0.elbo), nats($0.testELBO), String(format: "%.1f", $0.seconds)] })
        } else {
            page.table(headers: ["epoch", "loss", "training accuracy", "held-out accuracy", "seconds"],
                       rows: epochs.map { ["\($0.epoch)", String(format: "%.4f", $0.loss), pct($0.accuracy), pct($0.testAccuracy),
                                           String(format: "%.1f", $0.seconds)] })
        }
        page.reproduce(command)
        try folder.write(page.render(), to: "index.html")
    }

    static func accuracyPlot(_ epochs: [TrainResult.Epoch]) -> (plot: SVGPlot, file: String) {
        var series = [SVGPlot.Series(name: "training accuracy", points: epochs.compactMap { e in e.accuracy.map { (Double(e.epoch), $0) } })]
        let heldOut = epochs.compactMap { e in e.testAccuracy.map { (x: Double(e.epoch), y: $0) } }
        if !heldOut.isEmpty { series.append(.init(name: "held-out accuracy", points: heldOut)) }
        return (SVGPlot(title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy", series: series, yRange: 0...1), "accuracy.svg")
    }

    static func elboPlot(_ epochs: [TrainResult.Epoch]) -> (plot: SVGPlot, file: String) {
        var series = [SVGPlot.Series(name: "training ELBO", points: epochs.compactMap { e in e.elbo.map { (Double(e.epoch), $0) } })]
        let heldOut = epochs.compactMap { e in e.testELBO.map { (x: Double(e.epoch), y: $0) } }
        if !heldOut.isEmpty { series.append(.init(name: "held-out ELBO", points: heldOut)) }
        return (SVGPlot(title: "ELBO per epoch", xLabel: "epoch", yLabel: "ELBO (nats/image)", series: series), "elbo.svg")
    }
}
