import Foundation
import LoupeData
import LoupeNN
@testable import LoupeTensor

/// Shared models and data for the attack tests.
enum Fixtures {
    /// A linear 2-class model on d×1×1 "images": logits = W·x + b, with no normalization.
    static func linearModel(weights: [[Float]], bias: [Float]) throws -> Model {
        let d = weights[0].count
        let preset = Preset(inputSize: 1, channels: d, mean: [Float](repeating: 0, count: d),
                            std: [Float](repeating: 1, count: d), labels: (0..<weights.count).map { "class \($0)" })
        let model = try SequentialSpec(name: "linear", preset: preset, layers: [.flatten, .linear(out: weights.count, bias: true)]).build()
        let params = model.network.namedParameters()
        for (name, p) in params {
            if name.hasSuffix("weight") { p.value = try Tensor(shape: [weights.count, d], scalars: weights.flatMap { $0 }) }
            if name.hasSuffix("bias") { p.value = try Tensor(shape: [bias.count], scalars: bias) }
        }
        model.network.setTrainable(false)
        return model
    }

    /// A linear model on c×s×s images: logits = W·flatten(x) + b, rows of W in CHW order.
    static func linearImageModel(channels c: Int, size s: Int, weights: [[Float]], bias: [Float]) throws -> Model {
        let d = c * s * s
        precondition(weights.allSatisfy { $0.count == d })
        let preset = Preset(inputSize: s, channels: c, mean: [Float](repeating: 0, count: c), std: [Float](repeating: 1, count: c),
                            labels: (0..<weights.count).map { "class \($0)" })
        let model = try SequentialSpec(name: "linear-image", preset: preset, layers: [.flatten, .linear(out: weights.count, bias: true)]).build()
        for (name, p) in model.network.namedParameters() {
            if name.hasSuffix("weight") { p.value = try Tensor(shape: [weights.count, d], scalars: weights.flatMap { $0 }) }
            if name.hasSuffix("bias") { p.value = try Tensor(shape: [bias.count], scalars: bias) }
        }
        model.network.setTrainable(false)
        return model
    }

    /// A small ReLU network on c×s×s images (flatten, linear → hidden, ReLU, linear →
    /// classes) with seeded weights of scale 1/√fan-in: nonlinear, so the attacks of a
    /// cascade disagree about which samples they break.
    static func mlp(channels c: Int, size s: Int, hidden: Int, classes: Int, seed: UInt64) throws -> Model {
        let d = c * s * s
        let preset = Preset(inputSize: s, channels: c, mean: [Float](repeating: 0, count: c), std: [Float](repeating: 1, count: c),
                            labels: (0..<classes).map { "class \($0)" })
        let model = try SequentialSpec(name: "mlp", preset: preset,
                                       layers: [.flatten, .linear(out: hidden, bias: true), .relu, .linear(out: classes, bias: true)]).build()
        let stream = RandomStream(seed: seed)
        for (k, (_, p)) in model.network.namedParameters().enumerated() {
            let fanIn = p.value.rank == 2 ? p.value.shape[1] : (k == 1 ? d : hidden)
            let scale = 1 / Float(fanIn).squareRoot()
            p.value = try Tensor(shape: p.value.shape, scalars: (0..<p.value.count).map {
                scale * stream.derived(UInt64(k)).normal(at: UInt64($0))
            })
        }
        model.network.setTrainable(false)
        return model
    }

    /// Wraps a model's network and counts the images that go through it: the model
    /// queries an attack makes.
    final class Counting: Module {
        let inner: Module
        private(set) var images = 0
        init(_ inner: Module) { self.inner = inner }
        override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
            images += x.shape[0]
            return try inner.forward(x, ctx)
        }
    }

    static func counting(_ model: Model) -> (Model, Counting) {
        let counter = Counting(model.network)
        return (Model(name: model.name, network: counter, preset: model.preset), counter)
    }

    /// Planted gradient masking: a two-class model on 1×4×4 images whose logits read the
    /// input through a staircase, q = ⌊4x⌋/4, so its input gradient is exactly zero
    /// everywhere: z₀ = 6.4, z₁ = Σ q. From x = 0.45 everywhere (Σ q = 4) ten pixels must
    /// climb past 0.5 to flip it.
    static func steppedModel() throws -> Model {
        let linear = try linearImageModel(channels: 1, size: 4, weights: [[Float](repeating: 0, count: 16), [Float](repeating: 1, count: 16)],
                                          bias: [6.4, 0])
        return Model(name: "staircase", network: Staircase(linear.network), preset: linear.preset)
    }

    final class Staircase: Module {
        let inner: Module
        init(_ inner: Module) { self.inner = inner }
        override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
            try inner.forward(x.unary("staircase", { ($0 * 4).rounded(.down) / 4 }, grad: { _, _, _ in 0 }), ctx)
        }
    }

    static let fashionTest: LabeledImages? = try? IDXDataset.load(
        folder: IDXDataset.fashionMNISTFolder, split: "test", classes: IDXDataset.fashionMNISTClasses)

    /// fashion-cnn trained for one epoch on 2,000 images (a few seconds): enough to be
    /// right on most test images, so attacks have something to break.
    static let trainedFashionCNN: Model? = {
        guard let train = try? IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: "train",
                                               classes: IDXDataset.fashionMNISTClasses).prefix(2000),
              let model = try? Zoo.architecture("fashion-cnn", seed: 1) else { return nil }
        var config = Trainer.Config()
        config.epochs = 1
        config.batchSize = 50
        config.learningRate = 2e-3
        config.seed = 1
        guard (try? Trainer(model: model, config: config).train(on: train)) != nil else { return nil }
        model.network.setTrainable(false)
        return model
    }()
}
