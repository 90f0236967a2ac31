import Foundation
import LoupeNN
import LoupeTensor

/// Settings of one feature-visualization run; the defaults are Lucid's.
public struct VisualizationSettings {
    public var steps = 512
    public var size = 128
    public var learningRate: Float = 0.05
    public var optimizer = Trainer.OptimizerKind.adam
    public var basis = ImageParameterization.Basis.fourier(decay: 1)
    public var decorrelate = true
    public var squash = ImageParameterization.Squash.sigmoid
    public var transforms = Transform.standard
    public var regularizers: [Regularizer] = []
    /// Weight of the diversity term across the batch (0: off).
    public var diversity: Float = 0
    /// Steps at which to keep a copy of the image (always includes the last).
    public var snapshots: [Int] = []
    public var seed: UInt64 = 0
    /// Optional start image [batch, C, size, size] in [0, 1] (or C + 1 with alpha).
    public var startImage: Tensor?
    /// Optimize an alpha channel too: colours are composited over a random background
    /// every step and the objective is discounted by opacity (see `Transparency`).
    public var alpha = false
    /// Weight w of that discount, objective · (1 − w·opacity), in 0…1; 1 is Lucid's, 0
    /// leaves opacity free.
    public var alphaPenalty = Transparency.defaultPenalty
    public init() {}
}

/// The outcome of a run: one image per batch item and its history.
public struct Visualization {
    /// [batch, C, size, size] in [0, 1]; with alpha [batch, C + 1, size, size], the
    /// last channel the opacity (straight, not premultiplied).
    public let images: Tensor
    /// Whether `images` carry alpha.
    public let alpha: Bool
    /// Per item, the objective (without penalties) at every step.
    public let objectivePerStep: [[Float]]
    /// Per item, its objective on the final image without transforms.
    public let finalObjective: [Float]
    /// Snapshots by step: [batch, C, size, size] (C + 1 with alpha).
    public let snapshots: [(step: Int, images: Tensor)]

    /// The images as a model sees them: with alpha, composited over uniform gray
    /// (`Transparency.qualityBackground`); otherwise as they are.
    public func opaqueImages() throws -> Tensor {
        guard alpha else { return images }
        return try Transparency.flatten(images, channels: images.shape[1] - 1)
    }
}

/// Gradient ascent on the input (Erhan et al. 2009; Olah et al. 2017): parameterize
/// an image, transform it randomly, run the model to the layers the objectives read,
/// and follow the objective's gradient with Adam.
public struct Visualizer {
    public let model: Model
    public init(model: Model) { self.model = model }

    /// Optimizes one image per entry of `objectives` (batch item i maximizes objectives[i]).
    public func run(
        _ objectives: [Objective], settings: VisualizationSettings,
        progress: (_ step: Int, _ objective: Float) -> Void = { _, _ in }
    ) throws -> Visualization {
        guard !objectives.isEmpty else { throw VisError.invalid("no objective to visualize") }
        guard settings.steps >= 1 else { throw VisError.invalid("steps must be at least 1") }
        guard settings.size >= 8 else { throw VisError.invalid("size must be at least 8 pixels") }
        // Above 1 the factor 1 − w·(opacity) can turn negative and reward the opposite of the objective.
        guard settings.alphaPenalty >= 0, settings.alphaPenalty <= 1 else {
            throw VisError.invalid("the alpha penalty must be a weight in 0…1, got \(settings.alphaPenalty)")
        }
        let batch = objectives.count
        let layers = objectives.reduce(into: Set<String>()) { $0.formUnion($1.layers) }
        let diversityLayer = settings.diversity > 0 ? try deepest(layers) : nil
        // Stop the forward pass at the deepest layer read, unless logits are needed.
        let stop = objectives.contains(where: \.needsLogits) ? nil : try deepest(layers)
        let fixedInput = try model.needsFixedInputSize()
        let channels = model.preset.channels

        var param = try ImageParameterization(
            basis: settings.basis, batch: batch, channels: channels, height: settings.size,
            width: settings.size, decorrelate: settings.decorrelate, squash: settings.squash, alpha: settings.alpha,
            stream: RandomStream(seed: settings.seed, key: [0x1A6E]))
        if let start = settings.startImage { try param.start(from: start) }
        let optimizer: Optimizer = settings.optimizer == .adam
            ? Adam([param.parameter], learningRate: settings.learningRate)
            : SGD([param.parameter], learningRate: settings.learningRate)

        var history = [[Float]](repeating: [], count: batch)
        var snapshots: [(Int, Tensor)] = []
        for step in 1...settings.steps {
            optimizer.zeroGrad([param.parameter])
            let image = try param.image()
            // With alpha, Lucid's order: composite over a fresh background, then transform
            // the composite and alpha together, so the alpha the penalty reads is the
            // alpha of the pixels the model saw.
            var color = image, fullAlpha: Tensor?
            var x = image
            if settings.alpha {
                let (c, a) = try Transparency.split(image, channels: channels)
                let background = try Transparency.background(
                    batch: batch, channels: channels, height: settings.size, width: settings.size,
                    stream: RandomStream(seed: settings.seed, key: [0xB6, UInt64(step)]))
                (color, fullAlpha) = (c, a)
                x = try Tensor.concat([try Transparency.composite(c, alpha: a, over: background), a], axis: 1)
            }
            x = try Transform.apply(settings.transforms, to: x, stream: RandomStream(seed: settings.seed, key: [UInt64(step)]))
            if fixedInput, x.shape[2] != model.preset.inputSize || x.shape[3] != model.preset.inputSize {
                x = try x.resizedBilinear(height: model.preset.inputSize, width: model.preset.inputSize)
            }
            var cropAlpha: Tensor?
            if settings.alpha { (x, cropAlpha) = try Transparency.split(x, channels: channels) }
            let pass = try model.forward(x, recording: layers, stopAfter: stop)
            var total = Tensor(0)
            for (i, objective) in objectives.enumerated() {
                var v = try objective.value(pass, item: i)
                history[i].append(try v.item)
                if let cropAlpha, let fullAlpha {
                    v = try Transparency.weighted(
                        v, cropAlpha: try cropAlpha.narrowed(axis: 0, start: i, length: 1),
                        fullAlpha: try fullAlpha.narrowed(axis: 0, start: i, length: 1), weight: settings.alphaPenalty)
                }
                total = try total + v
            }
            if let diversityLayer, let a = pass[diversityLayer] {
                total = try total - Diversity.similarity(a) * settings.diversity
            }
            // Penalties judge the picture's own colours, not the random background.
            for r in settings.regularizers { total = try total - r.penalty(color) }
            // Adam minimizes: climb the objective by descending its negation.
            try (-total).backward()
            try optimizer.step()
            progress(step, history.map { $0.last ?? 0 }.reduce(0, +) / Float(batch))
            if settings.snapshots.contains(step) && step != settings.steps {
                snapshots.append((step, try Autograd.noGrad { try param.image() }))
            }
        }
        let final = try Autograd.noGrad { try param.image() }
        snapshots.append((settings.steps, final))
        let finalObjective = try self.evaluate(objectives, on: final)
        return Visualization(images: final, alpha: settings.alpha, objectivePerStep: history,
                             finalObjective: finalObjective, snapshots: snapshots)
    }

    /// Each item's objective on `images` as they are (no transforms); images with an
    /// alpha channel are composited over uniform gray (`Transparency.qualityBackground`).
    public func evaluate(_ objectives: [Objective], on images: Tensor) throws -> [Float] {
        var x = images
        if x.rank == 4, x.shape[1] == model.preset.channels + 1 {
            x = try Transparency.flatten(x, channels: model.preset.channels)
        }
        if try model.needsFixedInputSize(), x.shape[2] != model.preset.inputSize {
            x = try x.resizedBilinear(height: model.preset.inputSize, width: model.preset.inputSize)
        }
        let layers = objectives.reduce(into: Set<String>()) { $0.formUnion($1.layers) }
        return try Autograd.noGrad {
            let pass = try model.forward(x, recording: layers)
            return try objectives.enumerated().map { try $0.element.value(pass, item: $0.offset).item }
        }
    }

    /// The layer of `names` that comes last in the forward pass.
    func deepest(_ names: Set<String>) throws -> String? {
        guard !names.isEmpty else { return nil }
        let order = try model.layers().map(\.name)
        return order.last { names.contains($0) }
    }
}
