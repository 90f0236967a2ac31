import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

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
