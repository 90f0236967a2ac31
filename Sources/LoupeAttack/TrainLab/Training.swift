import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

/// Trains a classifier, plainly or adversarially, checkpointing after every epoch; a
/// run stopped on request saves the batch in flight too, so `resume` continues it
/// exactly.
public enum Training {
    /// What a run reports while it goes; every field is optional to listen to.
    public struct Events {
        public var note: (String) -> Void = { _ in }
        public var progress: (Trainer.Progress) -> Void = { _ in }
        public var epochDone: (Trainer.EpochResult) -> Void = { _ in }
        /// Polled after every batch: true stops the run after it.
        public var shouldStop: () -> Bool = { false }
        public init() {}
    }

    public static func run(_ settings: TrainSettings, events: Events = Events()) throws -> TrainResult {
        try settings.validate()
        let previous = try settings.resume.map { try TrainedModelFile.readSidecar(for: $0) }
        var config = try previous?.trainingConfig() ?? settings.freshConfig
        let attack: AdversarialTraining?
        if let previous {
            try settings.checkUnchanged(previous, config)
            if let epochs = settings.epochs {
                if epochs != config.epochs, case .cosine(0) = config.schedule {
                    events.note("note: the cosine schedule now spans \(epochs) epochs instead of \(config.epochs)")
                }
                config.epochs = epochs
            }
            attack = try previous.adversarial.map {
                guard let method = TrainSettings.Adversarial.Method(rawValue: $0.method) else {
                    throw AttackError.invalid("the checkpoint's adversarial method '\($0.method)' is not one of \(TrainSettings.Adversarial.Method.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return try AdversarialTraining(method: method.attack, eps: $0.eps, alpha: $0.alpha, steps: $0.steps, randomStart: $0.randomStart)
            }
        } else {
            attack = try settings.adversarial?.training()
        }

        var (model, architecture, specText) = try network(settings, previous: previous, seed: config.seed)
        let dataSpec = settings.data ?? previous?.data ?? DatasetSpec.fashionMNISTName
        let limit = settings.limit ?? previous?.limit
        let trainData = try DatasetSpec.load(dataSpec, defaultSplit: "train", size: model.preset.inputSize, channels: model.preset.channels,
                                             classes: settings.resume != nil ? model.preset.labels : nil).prefix(limit)
        let objective = Trainer.Objective.of(model)
        if attack != nil, !objective.classifies {
            throw AttackError.invalid("\(model.name) is not a classifier: adversarial training needs one")
        }
        try checkFits(model, trainData, classifies: objective.classifies)
        if settings.resume == nil, trainData.classes != model.preset.labels {
            var preset = model.preset
            preset.labels = trainData.classes
            model = Model(name: model.name, network: model.network, preset: preset)
        }
        let validation = try validationData(settings.validation, training: dataSpec, model: model)

        let trainer = Trainer(model: model, config: config)
        var history = previous?.history ?? []
        if let resume = settings.resume, let previous {
            try trainer.resume(completedEpochs: previous.epochs, partial: previous.partialEpoch,
                               optimizerState: try TrainedModelFile.loadOptimizerState(for: resume))
        }
        attack?.install(on: trainer)
        let out = settings.out ?? settings.resume ?? ""
        if trainer.completedEpochs >= config.epochs {
            events.note("\(settings.resume ?? out) already has \(trainer.completedEpochs) of \(config.epochs) epochs: nothing to do")
        } else {
            events.note("training \(model.name) on \(trainData.source) (\(trainData.count) images, \(trainData.classes.count) classes)"
                        + (attack.map { ", adversarial \($0.config.method.rawValue) ε=\($0.config.eps) α=\($0.config.stepSize) \($0.config.steps) steps" } ?? "")
                        + ", \(config.optimizer.rawValue) lr \(config.learningRate), \(KernelPolicy.current.threads) threads")
        }

        func save(partial: Trainer.PartialEpoch?) throws {
            var info = TrainedModelFile(architecture: architecture, spec: specText, preset: model.preset, config: config,
                                        adversarial: attack?.info, data: dataSpec, history: history)
            info.limit = limit
            info.partialEpoch = partial
            try info.save(model: model, optimizerState: trainer.optimizer.state(), to: out)
        }

        var lastRate = 0.0
        _ = try trainer.train(on: trainData, validation: validation, shouldStop: events.shouldStop, progress: { p in
            lastRate = p.imagesPerSecond
            events.progress(p)
        }, epochDone: { result in
            history.append(result)
            try save(partial: nil)
            events.epochDone(result)
            events.note("epoch \(result.epoch)/\(config.epochs): " + summary(result) + String(format: ", %.0f s; saved %@", result.seconds, out))
        })

        let interrupted = events.shouldStop() && trainer.completedEpochs < config.epochs
        if interrupted {
            if let partial = trainer.partial {
                try save(partial: partial)
                events.note("interrupted in epoch \(partial.epoch + 1), batch \(partial.batches); saved \(out)")
            } else {
                events.note("interrupted after epoch \(trainer.completedEpochs); saved \(out)")
            }
        }
        return TrainResult(out: out, objective: objective.name, history: history, imagesPerSecond: lastRate, interrupted: interrupted)
    }

    /// One epoch in a line: loss and accuracy for a classifier, the ELBO for a VAE.
    static func summary(_ e: Trainer.EpochResult) -> String {
        guard let accuracy = e.accuracy else {
            return String(format: "ELBO %.2f nats/image", -e.loss) + (e.testLoss.map { String(format: ", held-out ELBO %.2f", -$0) } ?? "")
        }
        return String(format: "loss %.4f, train acc %.2f%%", e.loss, accuracy * 100)
            + (e.testAccuracy.map { String(format: ", test acc %.2f%%", $0 * 100) } ?? "")
    }

    /// The model to train: the checkpoint's, a sequential spec's or a zoo architecture,
    /// with what the checkpoint should record to rebuild it.
    static func network(_ s: TrainSettings, previous: TrainedModelFile?, seed: UInt64) throws -> (Model, String?, String?) {
        if let resume = s.resume { return (try TrainedModelFile.load(path: resume), previous?.architecture, previous?.spec) }
        if let spec = s.spec {
            guard let text = try? String(contentsOfFile: spec, encoding: .utf8) else { throw AttackError.invalid("cannot read the spec file \(spec)") }
            return (try SequentialSpec.parse(text, file: spec).build(seed: seed), nil, text)
        }
        let name = s.arch ?? "fashion-cnn"
        return (try Zoo.architecture(name, seed: seed), name.lowercased(), nil)
    }

    static func checkFits(_ model: Model, _ data: LabeledImages, classifies: Bool = true) throws {
        let p = model.preset
        guard data.channels == p.channels, data.height == p.inputSize, data.width == p.inputSize else {
            throw AttackError.invalid("\(model.name) takes \(p.channels)×\(p.inputSize)×\(p.inputSize) images but \(data.source) has \(data.channels)×\(data.height)×\(data.width)")
        }
        guard classifies else { return }  // a generator learns the images, whatever their labels
        let outputs = try model.layers().last?.shape.last ?? 0
        guard outputs == data.classes.count else {
            throw AttackError.invalid("\(model.name) has \(outputs) outputs but \(data.source) has \(data.classes.count) classes; "
                                      + "define the network with --spec and a last layer 'linear: {out: \(data.classes.count)}'")
        }
    }

    /// The held-out data for per-epoch accuracy: the one named, else the test split when
    /// the training data has one.
    static func validationData(_ named: String?, training dataSpec: String, model: Model) throws -> LabeledImages? {
        if named?.lowercased() == "none" { return nil }
        let (size, channels, labels) = (model.preset.inputSize, model.preset.channels, model.preset.labels)
        if let named { return try DatasetSpec.load(named, defaultSplit: "test", size: size, channels: channels, classes: labels) }
        if dataSpec.hasSuffix(":test") { return nil }
        let base = dataSpec.hasSuffix(":train") ? String(dataSpec.dropLast(6)) : dataSpec
        do {
            return try DatasetSpec.load(base + ":test", defaultSplit: "test", size: size, channels: channels, classes: labels)
        } catch DatasetError.missing {
            return nil  // no test split beside the training data: report training accuracy only
        }
    }
}
