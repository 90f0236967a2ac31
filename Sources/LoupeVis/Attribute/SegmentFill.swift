import LoupeReport
import LoupeTensor

/// What a superpixel shows when LIME or KernelSHAP switches it off: its own mean colour
/// (the lime package's default, `hide_color=None`) or a reference image as occlusion
/// uses (gray, black, a value, the image blurred). Written as the text `parse` reads.
public enum SegmentFill: Sendable, Equatable {
    case mean
    case baseline(Baseline)

    /// "mean" or any form of `Baseline`.
    public static func parse(_ text: String) throws -> SegmentFill {
        if text.lowercased() == "mean" { return .mean }
        guard let baseline = try? Baseline.parse(text) else { throw VisError.invalid("unknown segment fill '\(text)': use \(forms)") }
        return .baseline(baseline)
    }

    public static let forms = "mean (each superpixel's mean colour), " + Baseline.forms

    public var description: String {
        switch self {
        case .mean: return "mean"
        case let .baseline(b): return b.description
        }
    }
}

extension SegmentFill: CodableAsText {
    public init(text: String) throws { self = try SegmentFill.parse(text) }
}
