import LoupeNN
import LoupeReport

/// What `loupe train` does: a fresh run (architecture, data, optimizer, schedule, an
/// optional adversary) or, with `resume`, the checkpoint's own run continued. Left nil,
/// a setting takes its default, or on resume the checkpoint's value; given on resume, it
/// must agree with the checkpoint.
public struct TrainSettings: Codable, Sendable, Equatable {
    /// Madry et al.'s adversarial training: each batch replaced by its adversary first.
    public struct Adversarial: Codable, Sendable, Equatable {
        /// The attacks adversarial training runs as its inner maximization.
        public enum Method: String, CaseIterable, Codable, Sendable {
            case pgd, fgsm
            public var attack: AttackConfig.Method { self == .pgd ? .pgd : .fgsm }
        }

        public var method: Method
        public var eps: Float = 0.1
        /// Default 0.01 for PGD (Madry's Fashion-MNIST recipe), 1.25ε for FGSM (Wong et al. 2020).
        public var alpha: Float?
        public var steps = 7
        public var randomStart = true

        public init(method: Method) { self.method = method }

        public func training() throws -> AdversarialTraining {
            try AdversarialTraining(method: method.attack, eps: eps, alpha: alpha ?? (method == .pgd ? 0.01 : nil), steps: steps,
                                    randomStart: randomStart)
        }
    }

    public var data: String?
    public var arch: String?
    public var spec: String?
    public var epochs: Int?
    public var optimizer: Trainer.OptimizerKind?
    public var lr: Float?
    public var momentum: Float?
    public var weightDecay: Float?
    public var schedule: LearningRateSchedule?
    public var batchSize: Int?
    public var adversarial: Adversarial?
    public var seed: UInt64?
    public var limit: Int?
    /// Held-out data for per-epoch accuracy ("none": skip it); default the test split.
    public var validation: String?
    /// The checkpoint to write (default on resume: the resumed file).
    public var out: String?
    public var resume: String?

    public init() {}

    public func validate() throws {
        func bad(_ why: String) -> AttackError { .invalid(why) }
        if arch != nil && spec != nil { throw bad("give --arch or --spec, not both") }
        if resume != nil && (arch != nil || spec != nil) { throw bad("--resume continues the checkpoint's own architecture: drop --arch/--spec") }
        if out == nil && resume == nil { throw bad("--out FILE.safetensors is required") }
        if let out, !out.hasSuffix(".safetensors") { throw bad("--out must end in .safetensors, got \(out)") }
        if let epochs, epochs < 1 { throw bad("--epochs must be at least 1") }
        if let batchSize, batchSize < 1 { throw bad("--batch-size must be at least 1") }
        if let lr, !(lr > 0 && lr.isFinite) { throw bad("--lr must be a positive number") }
        if let limit, limit < 1 { throw bad("--limit must be at least 1") }
        _ = try adversarial?.training()
    }

    /// A fresh run's configuration, defaults filled in.
    var freshConfig: Trainer.Config {
        var c = Trainer.Config()
        c.epochs = epochs ?? 5
        c.optimizer = optimizer ?? .adam
        c.learningRate = lr ?? (c.optimizer == .adam ? 1e-3 : 0.05)
        c.momentum = momentum ?? 0.9
        c.weightDecay = weightDecay ?? 0
        c.schedule = schedule ?? .constant
        c.batchSize = batchSize ?? 128
        c.seed = seed ?? 0
        return c
    }

    /// A resumed run continues with the checkpoint's settings; contradicting them is an error.
    func checkUnchanged(_ info: TrainedModelFile, _ config: Trainer.Config) throws {
        var clashes: [String] = []
        if let optimizer, optimizer != config.optimizer { clashes.append("--optimizer (checkpoint: \(config.optimizer.rawValue))") }
        if let lr, lr != config.learningRate { clashes.append("--lr (checkpoint: \(config.learningRate))") }
        if let momentum, momentum != config.momentum { clashes.append("--momentum (checkpoint: \(config.momentum))") }
        if let weightDecay, weightDecay != config.weightDecay { clashes.append("--weight-decay (checkpoint: \(config.weightDecay))") }
        if let schedule, schedule != config.schedule { clashes.append("--schedule (checkpoint: \(config.schedule))") }
        if let batchSize, batchSize != config.batchSize { clashes.append("--batch-size (checkpoint: \(config.batchSize))") }
        if let seed, seed != config.seed { clashes.append("--seed (checkpoint: \(config.seed))") }
        if let limit, limit != info.limit { clashes.append("--limit (checkpoint: \(info.limit.map(String.init) ?? "none"))") }
        if adversarial != nil {
            clashes.append("--adversarial and its budget (checkpoint: \(info.adversarial.map { "\($0.method) ε=\($0.eps)" } ?? "none"))")
        }
        if !clashes.isEmpty {
            throw AttackError.invalid("--resume continues the checkpoint's run with its own settings; drop \(clashes.joined(separator: ", "))")
        }
    }
}

extension Trainer.OptimizerKind: Codable {}

extension LearningRateSchedule: CodableAsText {
    public init(text: String) throws { self = try LearningRateSchedule.parse(text) }
}
