import LoupeTensor

/// One attribution method, in Captum's shape: a value holding what makes it this method
/// and one entry point. The shared plumbing (the model, the settings, gradients of the
/// target logit in batches, checks) is the `Attributor` it is handed.
public protocol AttributionMethod: Sendable {
    /// The name users type (`--method`), and the stem of its files and JSON entries.
    var name: String { get }
    /// One line for the help text: what the map is, and whose paper.
    var summary: String { get }
    /// Whether the 2-D map keeps a sign (diverging colormap) or is a magnitude.
    var signed: Bool { get }
    /// The map for class `target` of one image [1, C, H, W].
    func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap
}
