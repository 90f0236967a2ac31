import ArgumentParser
import Foundation

/// A perturbation budget or step size in pixel units, written as a number (0.03) or a
/// fraction of gray levels (8/255): every option that takes one accepts both.
struct Budget: ExpressibleByArgument, Equatable, CustomStringConvertible {
    let value: Float
    let text: String

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let value: Float?
        switch parts.count {
        case 1: value = Float(parts[0])
        case 2: value = Float(parts[0]).flatMap { a in Float(parts[1]).flatMap { $0 != 0 ? a / $0 : nil } }
        default: value = nil
        }
        guard let value, value.isFinite, value >= 0 else { return nil }
        (self.value, self.text) = (value, text)
    }

    init(_ value: Float) { (self.value, self.text) = (value, "\(value)") }

    var description: String { text }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A comma-separated list of budgets: 0,0.05,8/255.
struct BudgetList: ExpressibleByArgument, CustomStringConvertible {
    let values: [Float]

    init(_ values: [Float]) { self.values = values }

    var description: String { values.map { "\($0)" }.joined(separator: ",") }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let budgets = parts.map { Budget(argument: String($0)) }
        guard !parts.isEmpty, budgets.allSatisfy({ $0 != nil }) else { return nil }
        values = budgets.compactMap { $0?.value }
    }
}

extension Budget {
    /// The parser's message for a value it refused, naming the working form.
    static let help = "a number ≥ 0 such as 0.03 or a fraction such as 8/255"
}
