import Foundation
import LoupeReport

extension TrainReport {
    /// The last accuracy (held-out when there was held-out data), the last epoch's loss,
    /// the epochs done and the speed, with the accuracy curve as the picture.
    static func card(_ r: TrainResult, command: String) -> RunCard {
        var figures: [RunCard.Figure] = []
        if let last = r.epochs.indices.last, r.generative {
            figures.append(.init(r.epochs[last].testELBO == nil ? "training ELBO" : "held-out ELBO", .number("elbo")))
            figures.append(.init("epochs", .integer("epochs.\(last).epoch")))
        } else if let last = r.epochs.indices.last {
            figures.append(.init(r.epochs[last].testAccuracy == nil ? "training accuracy" : "held-out accuracy", .percent("accuracy")))
            figures.append(.init("loss", .number("epochs.\(last).loss")))
            figures.append(.init("epochs", .integer("epochs.\(last).epoch")))
        }
        figures.append(.init("images/s", .number("images_per_second")))
        return RunCard(title: "Training · \(URL(fileURLWithPath: r.out).lastPathComponent)", command: command,
                       picture: r.generative ? "elbo.svg" : "accuracy.svg", figures: figures,
                       verdict: r.interrupted ? .init(passed: false, "stopped early; loupe train --resume continues it") : nil)
    }
}
