import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

/// The visualize lab: one image optimized per objective (per channel, per batch item),
/// then measured against real images: the activation ratio, and the class probability
/// when every objective is a class.
public struct FeatureVisualization {
    public var result: VisualizeResult
    public let settings: VisualizeSettings
    public let objectives: [Objective]
    public let visualization: Visualization
    /// Per unit, its activation on the picture against the reference images' maximum
    /// (nil without reference images).
    public let comparisons: [Quality.ActivationComparison]?
    /// Per unit, its objective and, for a class, the class name.
    public let labels: [String]
    public let channels: Int
    /// Whether the model sees tiny images, which the page shows without smoothing.
    public let small: Bool
    /// With a generator prior: its prototypes beside the pixel ones.
    public let prior: PriorPrototypes?

    /// What a run reports as it goes.
    public enum Progress {
        case step(Int, objective: Float)
        /// A step of the generator-prior optimization, after the pixel one.
        case priorStep(Int, objective: Float)
        case note(String)
    }

    /// `generator` is the prior `settings.prior` names, when the caller loaded it already.
    public static func run(
        model: Model, settings: VisualizeSettings, generator loaded: GeneratorPrior? = nil, progress: (Progress) -> Void = { _ in }
    ) throws -> FeatureVisualization {
        try settings.validate()
        // A bad generator file fails before minutes of pixel optimization, not after.
        let generator = try loaded ?? settings.prior.map { try GeneratorPrior.load(path: $0) }
        let bases = try settings.objectives.map { try Objective.parse($0, model: model) }
        let perChannel = settings.channels.map { list in list.flatMap { c in bases.map { $0.withChannel(c) } } } ?? bases
        let objectives = perChannel.flatMap { Array(repeating: $0, count: settings.batch) }
        let run = try Visualizer(model: model).run(objectives, settings: settings.visualization) {
            progress(.step($0, objective: $1))
        }
        // With alpha, quality is measured on the picture over uniform gray (Transparency.qualityBackground).
        let opaque = try run.opaqueImages()
        let reference = try referenceImages(for: model) { progress(.note($0)) }
        let comparisons = try reference.map {
            try Quality.activationRatios(model: model, objectives: objectives, visualizations: opaque, reference: $0)
        }
        let targets = objectives.map(\.targetClass)
        var probabilities = [Float?](repeating: nil, count: objectives.count)
        if targets.allSatisfy({ $0 != nil }) {
            probabilities = try Quality.classProbability(model: model, images: opaque, targets: targets.compactMap { $0 },
                                                         seed: settings.seed)
        }
        let channels = model.preset.channels
        let meanAlpha = try settings.alpha ? Transparency.split(run.images, channels: channels).alpha.mean(axes: [1, 2, 3]).scalars : []
        let units = objectives.indices.map { i in
            VisualizeResult.UnitRecord(
                unit: .init(objective: objectives[i].description, image: String(format: "unit-%02d.png", i),
                            finalObjective: run.finalObjective[i], activationRatio: comparisons?[i].ratio,
                            classProbability: probabilities[i], meanAlpha: settings.alpha ? meanAlpha[i] : nil),
                objectivePerStep: run.objectivePerStep[i], referenceMax: comparisons?[i].referenceMax)
        }
        let s = settings
        let recorded = VisualizeResult.Settings(
            steps: s.steps, size: s.size, lr: s.lr, param: s.param, decay: s.decay, decorrelate: s.decorrelate,
            transforms: s.transforms, l1: s.l1, tv: s.tv, blur: s.blur, freq: s.freq, batch: s.batch, diversity: s.diversity,
            alpha: s.alpha, alphaPenalty: s.alpha ? s.alphaPenalty : nil,
            qualityBackground: s.alpha ? Transparency.qualityBackground : nil)
        let labels = objectives.indices.map { i in
            objectives[i].description + (targets[i].map { " (\(model.preset.labels[$0]))" } ?? "")
        }
        var priorSettings = s.priorSettings
        priorSettings.seed = s.seed
        let prior = try generator.map {
            try PriorPrototypes.make(model: model, objectives: objectives, pixels: opaque, prior: $0, settings: priorSettings,
                                     note: { progress(.note($0)) }, progress: { progress(.priorStep($0, objective: $1)) })
        }
        var result = VisualizeResult(model: model.name, seed: s.seed, settings: recorded, units: units)
        result.prior = prior?.comparison
        return FeatureVisualization(
            result: result, settings: settings,
            objectives: objectives, visualization: run, comparisons: comparisons, labels: labels, channels: channels,
            small: model.preset.inputSize < 64, prior: prior)
    }

    /// Real images to compare activations with: the skimage photos for ImageNet models,
    /// the Fashion-MNIST test set for 28×28 grayscale models; nil when neither applies.
    static func referenceImages(for model: Model, note: (String) -> Void) throws -> Tensor? {
        if model.preset.labels == imageNetLabels {
            let photos = Assets.photoFiles()
            guard !photos.isEmpty else { note("no reference photos (run `make assets`): activation ratios omitted"); return nil }
            return try Tensor.concat(photos.map { try model.input(from: try Image.load(path: $0)) }, axis: 0)
        }
        if model.preset.channels == 1 && model.preset.inputSize == 28 {
            guard let test = try? IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: "test") else { return nil }
            return try test.batch(Array(0..<test.count)).images
        }
        return nil
    }
}
