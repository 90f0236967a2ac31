import Foundation
import LoupeReport

extension AttackReport {
    /// The top class before and after, the budget and the saved image's distance, and
    /// whether the attack got where it aimed, with the original, adversarial and
    /// perturbation side by side as the picture.
    static func card(_ e: AdversarialExample, labels: [String], command: String) -> RunCard {
        let s = e.settings, l2 = s.norm == .l2
        let verdict = e.target.map { "target \($0 < labels.count ? labels[$0] : "class \($0)") " + (e.success ? "reached" : "not reached") }
            ?? (e.success ? "top-1 changed" : "top-1 unchanged")
        return RunCard(
            title: "\(s.method.rawValue.uppercased()) \(l2 ? "L2" : "L∞") · \((e.image as NSString).lastPathComponent)",
            command: command, picture: "triple.png",
            figures: [
                .init("before", .text("before.top.0.name"), .percent("before.top.0.probability")),
                .init("after", .text("after.top.0.name"), .percent("after.top.0.probability")),
                .init(l2 ? "ε (L2)" : "ε (L∞)", l2 ? .number("settings.eps") : .budget("settings.eps")),
                .init(l2 ? "L2 (saved PNG)" : "L∞ (saved PNG)", l2 ? .number("l2") : .budget("linf")),
            ],
            verdict: .init(passed: e.success, verdict + " (8-bit image)"))
    }
}
