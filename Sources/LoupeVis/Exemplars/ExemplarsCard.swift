import Foundation
import LoupeReport

extension ExemplarsReport {
    /// The unit, its strongest activation and how many images were scanned, with the
    /// reconstructions as the picture.
    static func card(_ r: ExemplarsResult, command: String) -> RunCard {
        var figures = [RunCard.Figure("unit", .text("layer"), .integer("channel", prefix: "channel "))]
        if !r.exemplars.isEmpty {
            figures.append(.init("strongest", .number("exemplars.0.activation", prefix: "a = "), .text("exemplars.0.caption", prefix: "on ")))
        }
        figures.append(.init("images scanned", .integer("scanned")))
        return RunCard(title: "Top-\(r.k) exemplars · \(r.model) · \(r.data)", command: command, picture: "reconstructions.png",
                       figures: figures)
    }
}
