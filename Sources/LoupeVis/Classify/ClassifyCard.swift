import Foundation
import LoupeReport

extension ClassifyReport {
    /// Up to six images shown on a card, each with its top class.
    static let shownOnCard = 6

    /// Each image's top class and probability, the images as the model saw them as the picture.
    static func card(_ r: ClassifyResult, picture: String, command: String) -> RunCard {
        RunCard(title: "Classification · \(r.model) · \(r.results.count) image\(r.results.count == 1 ? "" : "s")", command: command,
                picture: picture,
                figures: r.results.prefix(shownOnCard).enumerated().map { i, item in
                    .init(URL(fileURLWithPath: item.image).lastPathComponent,
                          .text("results.\(i).top.0.name"), .percent("results.\(i).top.0.probability"))
                })
    }
}
