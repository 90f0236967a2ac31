import Foundation
import ArgumentParser
import LoupeNN
import LoupeTensor

/// How every subcommand names its model: a zoo name or trained checkpoint, a zoo
/// architecture with the user's weights, or a sequential YAML spec with weights.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "Built-in model (efficientnet-lite0) or a checkpoint written by `loupe train`.")
    var model: String?

    @Option(name: .long, help: "Zoo architecture for --weights: vgg16, alexnet, resnet18, efficientnet-lite0, fashion-cnn, fashion-cnn-large.")
    var arch: String?

    @Option(name: .long, help: "Sequential YAML architecture for --weights (see README: bring your own model); its normalization mean and std are in [0, 1] pixel units, as torchvision writes them.")
    var spec: String?

    @Option(name: .long, help: "Checkpoint (.safetensors or PyTorch .pth) for --arch or --spec.")
    var weights: String?

    @Option(name: .long, help: "Memory budget for what a file may make Loupe allocate (a checkpoint's tensors, one decompression, one tensor), e.g. 8G; higher or lower than the defaults (4 × the checkpoint's size + 64M, 2G, 1G).")
    var maxMemory: String?

    /// The limits every file this command reads is held to.
    var limits: ResourceLimits {
        get throws {
            guard let maxMemory else { return .default }
            guard let bytes = ResourceLimits.parseBytes(maxMemory) else {
                throw ValidationError("--max-memory '\(maxMemory)': write a size such as 512M or 2G")
            }
            return ResourceLimits.default.withMemoryBudget(bytes)
        }
    }

    func validate() throws {
        let ways = [model != nil, arch != nil, spec != nil].filter { $0 }.count
        if ways > 1 { throw ValidationError("give only one of --model, --arch, --spec") }
        if (arch != nil || spec != nil) && weights == nil { throw ValidationError("--arch and --spec need --weights FILE") }
        if weights != nil && arch == nil && spec == nil { throw ValidationError("--weights needs --arch or --spec") }
        _ = try limits
    }

    /// Loads the model; with nothing given, the default is efficientnet-lite0.
    func load(default fallback: String = "efficientnet-lite0") throws -> Model {
        if let arch, let weights { return try Zoo.load(architecture: arch, weights: weights, limits: try limits) }
        if let spec, let weights { return try Zoo.load(spec: spec, weights: weights, limits: try limits) }
        return try Zoo.load(model ?? fallback, limits: try limits)
    }
}

extension ModelOptions {
    /// Like `load`, but a zoo architecture without pretrained weights (vgg16, alexnet,
    /// resnet18, fashion-cnn…) is built with seeded random weights, with a note:
    /// reconstructions and attributions are still well defined, and the sanity checks
    /// and benchmarks are about exactly such networks.
    func loadAllowingRandomWeights(default fallback: String = "efficientnet-lite0", quiet: Bool) throws -> Model {
        let name = (model ?? fallback).lowercased()
        if arch == nil, spec == nil, Zoo.pretrained[name] == nil, Zoo.architectures[name] != nil,
           !FileManager.default.fileExists(atPath: model ?? "") {
            note("\(name): no pretrained weights, using seeded random weights (give --arch \(name) --weights FILE for trained ones)",
                 quiet: quiet)
            return try Zoo.architecture(name)
        }
        return try load(default: fallback)
    }
}
