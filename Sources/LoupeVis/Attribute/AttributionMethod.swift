import LoupeTensor

/// One attribution method, in Captum's shape: a value holding what makes it this method
/// and one entry point. The shared plumbing (the model, the settings, gradients of the
/// target logit in batches, checks) is the `Attributor` it is handed.
public protocol AttributionMethod: Sendable {
    /// What the method is called and what kind of map it draws.
    var about: AttributionMethodInfo { get }
    /// The map for class `target` of one image [1, C, H, W], already checked by the
    /// `Attributor` that hands itself over as `context`.
    func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap
    /// Why the method cannot run on the context's model at all (nil: it can), checked on one
    /// image: a layer or head it needs and the model lacks. `--method all` over many images
    /// skips such a method and states this reason instead of failing the run.
    func inapplicability(_ image: Tensor, target: Int, context: Attributor) -> String?
}

/// A method of the CAM family: it reads a conv layer with a spatial map (`--layer`).
public protocol LayerAttributionMethod: AttributionMethod {}

extension LayerAttributionMethod {
    /// The layer must exist and have a spatial map; one forward pass finds out.
    public func inapplicability(_ image: Tensor, target: Int, context: Attributor) -> String? {
        do {
            _ = try context.readLayer(image, target: target, gradient: false, for: self)
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// How a method presents itself: to the CLI, the help text and the report.
public struct AttributionMethodInfo: Sendable, Equatable {
    /// The name users type (`--method`), and the stem of its files and JSON entries.
    public let name: String
    /// Whether the 2-D map keeps a sign (diverging colormap) or is a magnitude.
    public let signed: Bool
    /// One line for the help text: what the map is, and whose paper.
    public let summary: String
    /// What one value of the map measures, for result.json next to the raw values.
    /// Gradients are taken with respect to pixels in [0, 1], before the model's own
    /// normalization, so "per unit of pixel value" means per full 0→255 swing.
    public let units: String

    public init(_ name: String, signed: Bool, _ summary: String,
                units: String = "attribution of the target logit with respect to input pixels in [0, 1]") {
        (self.name, self.signed, self.summary, self.units) = (name, signed, summary, units)
    }
}

extension AttributionMethod {
    /// Methods that only need the input gradient or forward passes apply to every model.
    public func inapplicability(_ image: Tensor, target: Int, context: Attributor) -> String? { nil }

    public var name: String { about.name }
    public var summary: String { about.summary }
    public var signed: Bool { about.signed }
    public var units: String { about.units }
}
