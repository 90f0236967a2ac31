import LoupeReport
import LoupeTensor

/// A reference image: a constant (black, gray, white) or the image blurred. Written in
/// settings and result.json as the text `parse` reads.
public enum Baseline: Sendable, Equatable {
    case constant(Float)
    case blur(sigma: Float)

    public static let black = Baseline.constant(0)
    public static let gray = Baseline.constant(0.5)
    public static let white = Baseline.constant(1)

    /// "black", "gray", "white", a number in [0, 1], or "blur" / "blur:SIGMA".
    public static func parse(_ text: String) throws -> Baseline {
        switch text.lowercased() {
        case "black": return .black
        case "gray", "grey": return .gray
        case "white": return .white
        case "blur": return .blur(sigma: 8)
        default:
            if text.lowercased().hasPrefix("blur:"), let s = Float(text.dropFirst(5)), s > 0 { return .blur(sigma: s) }
            if let v = Float(text), v >= 0, v <= 1 { return .constant(v) }
            throw VisError.invalid("unknown baseline '\(text)': use \(Baseline.forms)")
        }
    }

    /// The accepted forms, for help and messages.
    public static let forms = "black, gray, white, a value in [0, 1], or blur[:SIGMA]"

    public var description: String {
        switch self {
        case let .constant(v): return v == 0 ? "black" : v == 0.5 ? "gray" : v == 1 ? "white" : "\(v)"
        case let .blur(s): return "blur:\(s)"
        }
    }

    /// The baseline image for `image` ([1, C, H, W]).
    public func image(like image: Tensor) throws -> Tensor {
        switch self {
        case let .constant(v): return try Tensor.full(image.shape, v)
        case let .blur(s): return try Autograd.noGrad { try image.gaussianBlur(sigma: s) }
        }
    }
}

extension Baseline: CodableAsText {
    public init(text: String) throws { self = try Baseline.parse(text) }
}
