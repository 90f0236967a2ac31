import Foundation
import LoupeReport

/// The run folder of `loupe train --report DIR`: the loss and the accuracy of every epoch,
/// plotted and tabled, beside the checkpoint they describe.
public enum TrainReport {
    public static func write(_ result: TrainResult, to folder: RunFolder, command: String) throws {
        try folder.writeResult(result)
        let epochs = result.epochs
        let loss = SVGPlot(title: "Training loss per epoch", xLabel: "epoch", yLabel: "loss",
                           series: [.init(name: "training loss", points: epochs.map { (Double($0.epoch), $0.loss) })])
        var series = [SVGPlot.Series(name: "training accuracy", points: epochs.map { (Double($0.epoch), $0.accuracy) })]
        let heldOut = epochs.compactMap { e in e.testAccuracy.map { (x: Double(e.epoch), y: $0) } }
        if !heldOut.isEmpty { series.append(.init(name: "held-out accuracy", points: heldOut)) }
        let accuracy = SVGPlot(title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy", series: series, yRange: 0...1)
        try folder.write(loss.render(), to: "loss.svg")
        try folder.write(accuracy.render(), to: "accuracy.svg")
        try folder.writeCard(card(result, command: command))

        func pct(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }
        var page = HTMLPage(title: "Training · \(URL(fileURLWithPath: result.out).lastPathComponent)")
        page.paragraph("Checkpoint \(result.out): \(epochs.count) epoch(s), accuracy \(pct(result.accuracy))"
                       + (heldOut.isEmpty ? " on the training data" : " on the held-out data")
                       + String(format: ", %.0f images/s.", result.imagesPerSecond)
                       + (result.interrupted ? " Stopped early; `loupe train --resume` continues it." : ""))
        page.svg(loss.render())
        page.svg(accuracy.render())
        page.table(headers: ["epoch", "loss", "training accuracy", "held-out accuracy", "seconds"],
                   rows: epochs.map { ["\($0.epoch)", String(format: "%.4f", $0.loss), pct($0.accuracy), pct($0.testAccuracy),
                                       String(format: "%.1f", $0.seconds)] })
        page.reproduce(command)
        try folder.write(page.render(), to: "index.html")
    }
}
