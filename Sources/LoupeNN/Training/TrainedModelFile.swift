import Foundation
import LoupeTensor

/// A model trained by Loupe: `NAME.safetensors` holds the weights (PyTorch state-dict
/// names, so PyTorch can read them too), `NAME.json` beside it says what they are
/// (architecture, preset, epochs, accuracy, seed) and `NAME.optim.safetensors` holds
/// the optimizer state that `--resume` needs.
public struct TrainedModelFile: Codable {
    public var architecture: String?
    /// The sequential YAML spec, for models defined by one.
    public var spec: String?
    public var labels: [String]
    public var inputSize: Int
    public var channels: Int
    /// Epochs completed so far.
    public var epochs: Int
    /// Epochs the run was asked for (the schedule spans these); `--resume` continues to it.
    public var targetEpochs: Int?
    public var optimizer: String
    public var learningRate: Float
    public var momentum: Float?
    public var weightDecay: Float?
    /// `constant`, `cosine` or `step:EVERY:GAMMA`.
    public var schedule: String?
    public var batchSize: Int
    public var seed: UInt64
    /// Adversarial training, when used: method and budget.
    public var adversarial: AdversarialTrainingInfo?
    /// Where the training data came from, and how many of its images (`--limit`).
    public var data: String?
    public var limit: Int?
    /// Accuracy on the validation data after the last epoch (or training accuracy without it).
    public var accuracy: Double?
    public var history: [Trainer.EpochResult]
    /// Set when the run was stopped between two batches: `--resume` finishes that epoch.
    public var partialEpoch: Trainer.PartialEpoch?

    public struct AdversarialTrainingInfo: Codable, Equatable, Sendable {
        public var method: String
        public var eps: Float
        public var alpha: Float
        public var steps: Int
        public var randomStart: Bool
        public init(method: String, eps: Float, alpha: Float, steps: Int, randomStart: Bool) {
            (self.method, self.eps, self.alpha, self.steps, self.randomStart) = (method, eps, alpha, steps, randomStart)
        }
    }

    public init(architecture: String?, spec: String?, preset: Preset, config: Trainer.Config,
                adversarial: AdversarialTrainingInfo?, data: String?, history: [Trainer.EpochResult]) {
        self.architecture = architecture
        self.spec = spec
        labels = preset.labels
        inputSize = preset.inputSize
        channels = preset.channels
        epochs = history.last?.epoch ?? 0
        targetEpochs = config.epochs
        optimizer = config.optimizer.rawValue
        learningRate = config.learningRate
        momentum = config.momentum
        weightDecay = config.weightDecay
        schedule = config.schedule.description
        batchSize = config.batchSize
        seed = config.seed
        self.adversarial = adversarial
        self.data = data
        accuracy = history.last.flatMap { $0.testAccuracy ?? $0.accuracy }
        self.history = history
    }

    /// The training configuration recorded in the sidecar, for `--resume`.
    public func trainingConfig() throws -> Trainer.Config {
        var config = Trainer.Config()
        guard let kind = Trainer.OptimizerKind(rawValue: optimizer) else {
            throw ModelError.invalid("unknown optimizer '\(optimizer)' in the checkpoint description")
        }
        config.optimizer = kind
        config.epochs = targetEpochs ?? epochs
        config.learningRate = learningRate
        config.momentum = momentum ?? config.momentum
        config.weightDecay = weightDecay ?? 0
        config.schedule = try schedule.map(LearningRateSchedule.parse) ?? .constant
        config.batchSize = batchSize
        config.seed = seed
        return config
    }

    public static func sidecarPath(_ weights: String) -> String {
        (weights as NSString).deletingPathExtension + ".json"
    }

    public static func optimizerPath(_ weights: String) -> String {
        (weights as NSString).deletingPathExtension + ".optim.safetensors"
    }

    /// Writes weights, optimizer state and sidecar; each file atomically (temp + rename),
    /// so an interrupted save never leaves a checkpoint that does not load.
    public func save(model: Model, optimizerState: [String: Tensor], to path: String) throws {
        let weights = try model.network.exportState()
        try Self.atomically(path) { try saveSafeTensors(weights, path: $0, metadata: ["format": "pt"]) }
        let opt = try StateDict(optimizerState.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        try Self.atomically(Self.optimizerPath(path)) { try saveSafeTensors(opt, path: $0) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        try Self.atomically(Self.sidecarPath(path)) { try data.write(to: URL(fileURLWithPath: $0)) }
    }

    static func atomically(_ path: String, _ write: (String) throws -> Void) throws {
        let temp = path + ".partial"
        try write(temp)
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temp, toPath: path)
    }

    public static func readSidecar(for path: String) throws -> TrainedModelFile {
        let sidecar = sidecarPath(path)
        guard let data = FileManager.default.contents(atPath: sidecar) else {
            throw ModelError.invalid("\(path): no sidecar \(sidecar) saying which architecture these weights are for; use --arch or --spec with --weights")
        }
        do {
            return try JSONDecoder().decode(TrainedModelFile.self, from: data)
        } catch {
            throw ModelError.invalid("\(sidecar): not a Loupe checkpoint description (\(error))")
        }
    }

    /// The model a Loupe checkpoint describes, with its weights loaded.
    public static func load(path: String, limits: ResourceLimits = .default) throws -> Model {
        let info = try readSidecar(for: path)
        let model: Model
        if let spec = info.spec {
            model = try SequentialSpec.parse(spec, file: sidecarPath(path), limits: limits).build(limits: limits)
        } else if let arch = info.architecture {
            model = try Zoo.architecture(arch)
        } else {
            throw ModelError.invalid("\(sidecarPath(path)): names neither an architecture nor a spec")
        }
        try model.network.load(try loadCheckpoint(path: path, limits: limits))
        // The labels of the data it was trained on (an image folder's class names).
        guard info.labels.isEmpty || info.labels == model.preset.labels else {
            var preset = model.preset
            preset.labels = info.labels
            return Model(name: model.name, network: model.network, preset: preset)
        }
        return model
    }

    public static func loadOptimizerState(for path: String) throws -> [String: Tensor] {
        let optPath = optimizerPath(path)
        guard FileManager.default.fileExists(atPath: optPath) else { return [:] }
        return try loadCheckpoint(path: optPath).tensors
    }
}
