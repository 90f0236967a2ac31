import Foundation
import LoupeReport

extension DeconvReport {
    /// Channels a card shows, each with its reconstructions beside the input.
    static let channelsOnCard = 4

    /// The layer and each reconstructed channel's activation, with the input and its
    /// reconstructions as the picture.
    static func card(_ r: DeconvResult, command: String) -> RunCard {
        let first = r.reconstructions.indices.filter { i in !r.reconstructions[..<i].contains { $0.channel == r.reconstructions[i].channel } }
        return RunCard(
            title: "DeconvNet · \(r.model) · \((r.image as NSString).lastPathComponent)", command: command, picture: "reconstructions.png",
            figures: [.init("layer", .text("layer"))] + first.prefix(channelsOnCard).map { i in
                .init("channel", .integer("reconstructions.\(i).channel"), .number("reconstructions.\(i).activation", prefix: "a = "))
            })
    }
}
