import LoupeReport

/// What `loupe attribute` computes; the method defaults follow the papers.
public struct AttributionSettings: Codable, Sendable, Equatable {
    /// Methods by registry name, in the order they run.
    public var methods: [String] = []
    /// Class index or name; nil is the model's top-1 class.
    public var target: String?
    /// SmoothGrad's noisy copies, LIME's and KernelSHAP's perturbed samples, RISE's
    /// masks; nil: each method's own default (50, 1000, 1000, 4000).
    public var samples: Int?
    /// SmoothGrad: noise σ as a fraction of the input's range (0.15).
    public var sigma: Float = 0.15
    /// Integrated Gradients: the rule for the path integral and its steps (intervals of
    /// the trapezoidal rule, so steps + 1 gradients, or Gauss–Legendre nodes), and the
    /// baseline, which Score-CAM's masks reveal the image against too. The adaptive grid
    /// places the trapezoid's steps where the path needs them (see `IntegratedGradients`).
    public var steps = 64
    public var integration = Integration.adaptive
    public var baseline = Baseline.black
    /// The CAM family's layer; nil picks the last layer with a spatial map.
    public var layer: String?
    /// Occlusion: square patch side, stride and what fills the patch, in pixels.
    public var patch = 32
    public var stride = 16
    public var fill = Baseline.gray
    /// LIME and KernelSHAP: about `segments` SLIC superpixels of this compactness (skimage's
    /// default 10) and what a superpixel switched off shows.
    public var segments = 50
    public var compactness: Float = 10
    public var segmentFill = SegmentFill.mean
    /// RISE: random masks on a maskGrid × maskGrid grid, each cell kept with maskProbability
    /// (Petsiuk et al.'s s = 7, p = 0.5); hidden pixels show `fill`.
    public var maskGrid = 7
    public var maskProbability: Float = 0.5
    /// Images per forward/backward pass when a method needs many.
    public var batchSize = 8
    /// Colormap of magnitude maps (signed maps always use the diverging one).
    public var colormap = MagnitudeColormap.inferno
    /// Adebayo et al.'s cascading randomization test for each method, over at most
    /// `sanityLayers` layer groups from the top (nil: all), repeated with `sanityRuns`
    /// independent draws of the random weights: one draw's verdict is noise.
    public var sanity = false
    public var sanityLayers: Int?
    public var sanityRuns = 5
    /// Faithfulness metrics on every map (`--metrics`; `all` runs the sanity check too).
    public var metrics = FaithfulnessSettings()
    /// SmoothGrad noise and the sanity check's random weights.
    public var seed: UInt64 = 0

    public init() {}

    /// Ceilings on the options that size the perturbation methods' work and memory (the
    /// LIME design matrix is samples × segments).
    public static let maximumSamples = 100_000
    public static let maximumSegments = 1000

    public func validate(registry: AttributionRegistry = .standard) throws {
        guard !methods.isEmpty else { throw VisError.invalid("--method needs at least one method: \(registry.choices)") }
        for name in methods where registry.method(named: name) == nil {
            throw VisError.invalid("unknown method '\(name)': use \(registry.choices)")
        }
        if let samples, samples < 1 || samples > Self.maximumSamples {
            throw VisError.invalid("--samples must be between 1 and \(Self.maximumSamples)")
        }
        if !(sigma >= 0) { throw VisError.invalid("--sigma must not be negative") }
        if steps < 1 { throw VisError.invalid("--steps must be at least 1") }
        if patch < 1 { throw VisError.invalid("--patch must be at least 1") }
        if stride < 1 { throw VisError.invalid("--stride must be at least 1") }
        if !(1...Self.maximumSegments).contains(segments) { throw VisError.invalid("--segments must be between 1 and \(Self.maximumSegments)") }
        if !(compactness > 0 && compactness <= 1e6) { throw VisError.invalid("--compactness must be a positive number up to 1e6") }
        if !(1...64).contains(maskGrid) { throw VisError.invalid("--mask-grid must be between 1 and 64") }
        if !(maskProbability > 0 && maskProbability <= 1) { throw VisError.invalid("--mask-probability must be in (0, 1]") }
        if batchSize < 1 { throw VisError.invalid("--batch-size must be at least 1") }
        try metrics.validate()
        if let sanityLayers, sanityLayers < 1 { throw VisError.invalid("--sanity-layers must be at least 1") }
        if sanityRuns < 1 { throw VisError.invalid("--sanity-runs must be at least 1") }
    }
}

/// The colormaps for magnitude maps: perceptually uniform, dark for zero.
public enum MagnitudeColormap: String, Codable, CaseIterable, Sendable {
    case inferno, viridis

    public var colormap: Colormap { self == .viridis ? .viridis : .inferno }
}
