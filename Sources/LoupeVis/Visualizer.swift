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
    /// Optional start image [batch, C, size, size] in [0, 1].
    public var startImage: Tensor?
    public init() {}
}

/// The outcome of a run: one image per batch item and its history.
public struct Visualization {
    /// [batch, C, size, size] in [0, 1].
    public let images: Tensor
    /// Per item, the objective (without penalties) at every step.
    public let objectivePerStep: [[Float]]
    /// Per item, its objective on the final image without transforms.
    public let finalObjective: [Float]
    /// Snapshots by step: [batch, C, size, size].
    public let snapshots: [(step: Int, images: Tensor)]
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
        let batch = objectives.count
        let layers = objectives.reduce(into: Set<String>()) { $0.formUnion($1.layers) }
        let diversityLayer = settings.diversity > 0 ? try deepest(layers) : nil
        // Stop the forward pass at the deepest layer read, unless logits are needed.
        let stop = objectives.contains(where: \.needsLogits) ? nil : try deepest(layers)
        let fixedInput = try needsFixedInputSize()

        var param = try ImageParameterization(
            basis: settings.basis, batch: batch, channels: model.preset.channels, height: settings.size,
            width: settings.size, decorrelate: settings.decorrelate, squash: settings.squash,
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
            var x = try Transform.apply(settings.transforms, to: image, stream: RandomStream(seed: settings.seed, key: [UInt64(step)]))
            if fixedInput, x.shape[2] != model.preset.inputSize || x.shape[3] != model.preset.inputSize {
                x = try x.resizedBilinear(height: model.preset.inputSize, width: model.preset.inputSize)
            }
            let pass = try model.forward(x, recording: layers, stopAfter: stop)
            var total = Tensor(0)
            for (i, objective) in objectives.enumerated() {
                let v = try objective.value(pass, item: i)
                history[i].append(try v.item)
                total = try total + v
            }
            if let diversityLayer, let a = pass[diversityLayer] {
                total = try total - Diversity.similarity(a) * settings.diversity
            }
            for r in settings.regularizers { total = try total - r.penalty(image) }
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
        let finalObjective = try self.evaluate(objectives, on: final, fixedInput: fixedInput)
        return Visualization(images: final, objectivePerStep: history, finalObjective: finalObjective,
                             snapshots: snapshots)
    }

    /// Each item's objective on `images` as they are (no transforms).
    public func evaluate(_ objectives: [Objective], on images: Tensor, fixedInput: Bool? = nil) throws -> [Float] {
        var x = images
        if try fixedInput ?? needsFixedInputSize(), x.shape[2] != model.preset.inputSize {
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

    /// Whether the model only takes its preset size (a flatten before a linear layer):
    /// then transformed images are resized back before the forward pass.
    func needsFixedInputSize() throws -> Bool {
        let s = model.preset.inputSize + 8
        let probe = try Tensor.zeros([1, model.preset.channels, s, s])
        return (try? Autograd.noGrad { try model.forward(probe) }) == nil
    }
}
