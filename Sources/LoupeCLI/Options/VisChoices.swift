import ArgumentParser
import Foundation
import LoupeNN
import LoupeTensor
import LoupeVis

// Choices of the visualization labs as parser types: `--help` lists them, and a bad
// value is refused by the parser with the valid list before any work starts.
extension MagnitudeColormap: ExpressibleByArgument {}
extension FaithfulnessSettings.Level: ExpressibleByArgument {}
extension ReLURule: ExpressibleByArgument {}
extension DeconvKeep: ExpressibleByArgument {}
extension Parameterization: ExpressibleByArgument {}
extension TransformSet: ExpressibleByArgument {}
extension Integration: ExpressibleByArgument {}

extension Baseline: ExpressibleByArgument {
    public init?(argument: String) {
        guard let baseline = try? Baseline.parse(argument) else { return nil }
        self = baseline
    }

    public var defaultValueDescription: String { description }
}

extension SegmentFill: ExpressibleByArgument {
    public init?(argument: String) {
        guard let fill = try? SegmentFill.parse(argument) else { return nil }
        self = fill
    }

    public var defaultValueDescription: String { description }
}

/// Attribution methods from the registry, comma-separated ("saliency,ig,gradcam") or "all".
struct MethodList: ExpressibleByArgument {
    let names: [String]
    /// Said as `all`: over many images, methods that cannot apply to the model are skipped.
    let all: Bool

    init?(argument: String) {
        guard let methods = try? AttributionRegistry.standard.parse(argument) else { return nil }
        names = methods.map(\.name)
        all = argument.trimmingCharacters(in: .whitespaces).lowercased() == "all"
    }

    static var allValueStrings: [String] { AttributionRegistry.standard.names + ["all"] }
}

/// ReLU backward rules, comma-separated: "deconvnet,guided".
struct RuleList: ExpressibleByArgument {
    let rules: [ReLURule]

    init(_ rules: [ReLURule]) { self.rules = rules }

    init?(argument: String) {
        let rules = argument.split(separator: ",").map { ReLURule(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) }
        guard !rules.isEmpty, rules.allSatisfy({ $0 != nil }) else { return nil }
        self.rules = rules.compactMap { $0 }
    }

    static var allValueStrings: [String] { ReLURule.allCases.map(\.rawValue) }
    var defaultValueDescription: String { rules.map(\.rawValue).joined(separator: ",") }
}

/// Channels of a layer: "0-15", "3,7,9" or a mix.
struct ChannelList: ExpressibleByArgument {
    let channels: [Int]

    init?(argument: String) {
        guard let channels = VisualizeSettings.channels(argument) else { return nil }
        self.channels = channels
    }
}

/// Whole numbers, comma-separated: "32,128".
struct IntList: ExpressibleByArgument {
    let values: [Int]

    init?(argument: String) {
        guard let values = try? parseList(argument) else { return nil }
        self.values = values
    }
}

/// "32,128" as integers.
package func parseList(_ text: String) throws -> [Int] {
    try text.split(separator: ",").map {
        guard let v = Int($0.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("'\($0)' is not a number") }
        return v
    }
}
