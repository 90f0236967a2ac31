import Foundation
import LoupeReport

extension VisualizeReport {
    /// Up to five units get a line each on a card; more are summed up by their range.
    static let unitsOnCard = 5

    /// How hard a picture drives its unit, and where result.json has it.
    struct Measure {
        let name: String, prefix: String, key: String, format: RunCard.Format, value: Float

        func quantity(prefix: String) -> RunCard.Quantity { RunCard.Quantity(key, format, prefix: prefix) }
    }

    /// The class probability for a class, else the activation ratio, else the final objective.
    static func measure(_ unit: VisualizeResult.Unit, at i: Int) -> Measure {
        if let p = unit.classProbability { return Measure(name: "class probability", prefix: "p ", key: "units.\(i).class_probability", format: .percent, value: p) }
        if let a = unit.activationRatio { return Measure(name: "activation ratio", prefix: "ratio ", key: "units.\(i).activation_ratio", format: .number, value: a) }
        return Measure(name: "final objective", prefix: "objective ", key: "units.\(i).final_objective", format: .number, value: unit.finalObjective)
    }

    /// Each unit's measure (for many units, the lowest and highest of the measure most
    /// telling), with the contact sheet as the picture.
    static func card(_ r: VisualizeResult, labels: [String], command: String) -> RunCard {
        let measures = r.units.enumerated().map { measure($1.unit, at: $0) }
        var figures: [RunCard.Figure]
        if measures.count <= unitsOnCard {
            figures = measures.enumerated().map { i, m in
                .init(i < labels.count ? labels[i] : r.units[i].unit.objective, m.quantity(prefix: m.prefix))
            }
        } else {
            let name = ["class probability", "activation ratio", "final objective"].first { n in measures.contains { $0.name == n } } ?? ""
            let same = measures.filter { $0.name == name }
            figures = []
            if let low = same.min(by: { $0.value < $1.value }), let high = same.max(by: { $0.value < $1.value }) {
                figures.append(.init("\(name), \(same.count) of \(measures.count) units", low.quantity(prefix: ""), high.quantity(prefix: "to ")))
            }
        }
        return RunCard(title: "Feature visualization · \(r.model) · \(r.settings.steps) steps", command: command,
                       picture: "contact-sheet.png", figures: figures)
    }
}
