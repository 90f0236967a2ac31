import Foundation
import LoupeTensor

/// Built-in architectures and how a model name on the command line becomes a `Model`.
public enum Zoo {
    /// Architectures by name, each built with fresh (seeded) weights.
    public static let architectures: [String: (UInt64) throws -> Model] = [
        "efficientnet-lite0": { _ in Model(name: "efficientnet-lite0", network: try EfficientNetLite(), preset: .efficientNetLite) },
        "vgg16": { Model(name: "vgg16", network: try FeaturesClassifier.vgg16(seed: $0), preset: .torchvisionImageNet) },
        "alexnet": { Model(name: "alexnet", network: try FeaturesClassifier.alexNet(seed: $0), preset: .torchvisionImageNet) },
        "resnet18": { Model(name: "resnet18", network: try ResNet.resnet18(seed: $0), preset: .torchvisionImageNet) },
        "fashion-cnn": { try fashionCNN.build(seed: $0) },
        "fashion-cnn-large": { try fashionCNNLarge.build(seed: $0) },
        "fashion-vae": { Model(name: "fashion-vae", network: try ConvVAE(seed: $0), preset: .fashionMNIST) },
    ]

    /// Models that ship pretrained weights through `make assets`.
    public static let pretrained: [String: String] = ["efficientnet-lite0": "efficientnet-lite0.pth"]

    /// The architecture `name` with fresh weights.
    public static func architecture(_ name: String, seed: UInt64 = 0) throws -> Model {
        guard let make = architectures[name.lowercased()] else {
            throw ModelError.unknownModel(name, suggestions: Suggest.nearest(name, in: architectures.keys.sorted()))
        }
        return try make(seed)
    }

    /// Resolves what a user passes as `--model`: a pretrained zoo name
    /// (`efficientnet-lite0`) or a checkpoint written by `loupe train` (its sidecar JSON
    /// names the architecture).
    public static func load(_ nameOrPath: String, limits: ResourceLimits = .default) throws -> Model {
        if let file = pretrained[nameOrPath.lowercased()] {
            let model = try architecture(nameOrPath)
            try model.network.load(try loadCheckpoint(path: try Assets.weights(file).path, limits: limits))
            return model
        }
        if FileManager.default.fileExists(atPath: nameOrPath) {
            return try TrainedModelFile.load(path: nameOrPath, limits: limits)
        }
        if architectures[nameOrPath.lowercased()] != nil {
            throw ModelError.invalid(
                "\(nameOrPath) has no pretrained weights: train it with `loupe train --arch \(nameOrPath) --out FILE` "
                    + "and pass --model FILE, or pass --arch \(nameOrPath) --weights FILE (pretrained: "
                    + pretrained.keys.sorted().joined(separator: ", ") + ")")
        }
        let names = Array(pretrained.keys) + architectures.keys.filter { pretrained[$0] == nil }
        throw ModelError.unknownModel(
            nameOrPath, suggestions: Suggest.nearest(nameOrPath, in: names.sorted()) + ["(or a checkpoint path)"])
    }

    /// `--arch ARCH --weights FILE`: a zoo architecture with a user's checkpoint.
    public static func load(architecture name: String, weights: String, limits: ResourceLimits = .default) throws -> Model {
        let model = try architecture(name)
        try model.network.load(try loadCheckpoint(path: weights, limits: limits))
        return model
    }

    /// `--spec FILE.yaml --weights FILE`: a user's sequential architecture and checkpoint.
    public static func load(spec: String, weights: String, limits: ResourceLimits = .default) throws -> Model {
        let model = try SequentialSpec.load(path: spec, limits: limits).build(limits: limits)
        try model.network.load(try loadCheckpoint(path: weights, limits: limits))
        return model
    }

    /// fashion-cnn: two 3×3 conv/ReLU/max-pool stages and two linear layers.
    public static let fashionCNN = twoStageCNN(name: "fashion-cnn", kernel: 3, hidden: 128)

    /// fashion-cnn-large: Madry et al.'s MNIST network (5×5 convs, 1024 hidden units).
    public static let fashionCNNLarge = twoStageCNN(name: "fashion-cnn-large", kernel: 5, hidden: 1024)

    /// Two stages of a k×k conv (32, then 64 channels, padded to keep the size), ReLU and
    /// 2×2 max-pool, then a hidden linear layer with ReLU and the 10 Fashion-MNIST logits.
    private static func twoStageCNN(name: String, kernel: Int, hidden: Int) -> SequentialSpec {
        let stages: [SequentialSpec.Layer] = [32, 64].flatMap { channels in
            [.conv(out: channels, kernel: kernel, stride: 1, padding: kernel / 2, dilation: 1, groups: 1, bias: true),
             .relu, .maxpool(kernel: 2, stride: 2, padding: 0)]
        }
        let head: [SequentialSpec.Layer] = [.flatten, .linear(out: hidden, bias: true), .relu, .linear(out: 10, bias: true)]
        return SequentialSpec(name: name, preset: .fashionMNIST, layers: stages + head)
    }
}
