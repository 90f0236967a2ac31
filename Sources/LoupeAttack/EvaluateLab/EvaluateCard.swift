import Foundation
import LoupeReport

extension EvaluateReport {
    /// Accuracy over the images (under attack, with the attack and the clean accuracy
    /// beside it, when there was one) and the confusion matrix as its picture.
    static func card(_ r: EvaluateResult, command: String) -> RunCard {
        var figures = [RunCard.Figure(r.attack == nil ? "accuracy" : "accuracy under attack", .percent("accuracy"),
                                      .integer("n", prefix: "of "))]
        if r.attack != nil {
            figures.append(.init("attack", .text("attack.method"), .number("attack.eps", prefix: "ε "),
                                 .integer("attack.steps", prefix: "· steps ")))
        }
        if r.cleanAccuracy != nil { figures.append(.init("clean accuracy", .percent("clean_accuracy"))) }
        return RunCard(title: "Evaluation · " + [r.model, r.data].compactMap { $0.map(RunCard.shortName) }.joined(separator: " · "),
                       command: command, picture: "confusion.png",
                       figures: figures)
    }
}
