import ArgumentParser
import Foundation
import LoupeAttack
import LoupeData
import LoupeNN
import LoupeTensor

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a classifier, plainly or adversarially (PGD), and save it as .safetensors.",
        discussion: helpText("""
        Data: fashion-mnist (Debian package dataset-fashion-mnist), a folder of IDX files (MNIST),
        or an image folder with one subfolder of PNG/JPEG files per class; add :train or :test to
        pick a split. A checkpoint is written after every epoch (FILE.safetensors, FILE.json with
        what it is, FILE.optim.safetensors with the optimizer state). Ctrl-C or SIGTERM (a
        cluster preempting the job) stops after the batch in flight and saves it too, and
        --resume FILE continues exactly where it stopped (exit status 130 says it stopped
        early). A kill -9 loses at most the epoch in flight.

        Examples:
          loupe train --data fashion-mnist --arch fashion-cnn --epochs 5 \\
              --out fashion.safetensors
          loupe train --arch fashion-cnn --optimizer sgd --lr 0.05 --schedule cosine \\
              --out sgd.safetensors
          loupe train --adversarial pgd --eps 0.1 --alpha 0.01 --steps 7 \\
              --out robust.safetensors
          loupe train --resume fashion.safetensors --epochs 10
          loupe train --data my-photos/ --spec my-cnn.yaml --out mine.safetensors
        """))

    @Option(help: "Training data: fashion-mnist, an IDX folder or an image folder, optionally :train or :test.")
    var data: String?

    @Option(help: "Zoo architecture: fashion-cnn (default), fashion-cnn-large, or any zoo name.")
    var arch: String?

    @Option(help: "Sequential YAML architecture instead of --arch.")
    var spec: String?

    @Option(help: "Total epochs (default 5; with --resume, the checkpoint's target).")
    var epochs: Int?

    @Option(help: "adam (default) or sgd.")
    var optimizer: String?

    @Option(help: "Learning rate (default 1e-3 for adam, 0.05 for sgd).")
    var lr: Float?

    @Option(help: "SGD momentum (default 0.9).")
    var momentum: Float?

    @Option(help: "L2 weight decay (default 0).")
    var weightDecay: Float?

    @Option(help: "Learning-rate schedule: constant (default), cosine, or step:EVERY:GAMMA.")
    var schedule: String?

    @Option(help: "Images per batch (default 128).")
    var batchSize: Int?

    @Option(help: "Adversarial training: pgd (Madry et al.) or fgsm.")
    var adversarial: String?

    @Option(help: "L∞ budget of the training attack in pixel units (default 0.1).")
    var eps: Float?

    @Option(help: "PGD step size (default 0.01).")
    var alpha: Float?

    @Option(help: "PGD steps per batch (default 7).")
    var steps: Int?

    @Flag(help: "PGD without a random start.")
    var noRandomStart = false

    @Option(help: "Seed for initialization, shuffling, dropout and attack starts (default 0).")
    var seed: UInt64?

    @Option(help: "Train on the first N images only.")
    var limit: Int?

    @Option(name: .customLong("validate"),
            help: "Data to report accuracy on after each epoch (default: the test split when there is one), or none.")
    var heldOut: String?

    @Option(help: "Worker threads (default: all cores or LOUPE_THREADS). Results do not depend on it.")
    var threads: Int?

    @Option(help: "Checkpoint to write, ending in .safetensors (default with --resume: the same file).")
    var out: String?

    @Option(help: "Continue the run saved in this checkpoint.")
    var resume: String?

    @Flag(help: "Print {\"out\", \"epochs\": [...], \"accuracy\", \"images_per_second\"} on stdout.")
    var json = false

    @Flag(help: "No progress bars or status lines.")
    var quiet = false

    func validate() throws {
        if arch != nil && spec != nil { throw ValidationError("give --arch or --spec, not both") }
        if resume != nil && (arch != nil || spec != nil) {
            throw ValidationError("--resume continues the checkpoint's own architecture: drop --arch/--spec")
        }
        if out == nil && resume == nil { throw ValidationError("--out FILE.safetensors is required") }
        if let out, !out.hasSuffix(".safetensors") { throw ValidationError("--out must end in .safetensors, got \(out)") }
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1") }
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let optimizer, Trainer.OptimizerKind(rawValue: optimizer) == nil {
            throw ValidationError("--optimizer must be adam or sgd, got \(optimizer)")
        }
        if adversarial == nil && (eps != nil || alpha != nil || steps != nil || noRandomStart) {
            throw ValidationError("--eps, --alpha, --steps and --no-random-start need --adversarial pgd")
        }
    }

    func run() throws {
        let previous = try resume.map { try TrainedModelFile.readSidecar(for: $0) }
        var config = try previous?.trainingConfig() ?? Trainer.Config()
        let attack: AdversarialTraining?
        if let previous {
            try checkUnchanged(previous, config)
            if let epochs {
                if epochs != config.epochs, case .cosine(0) = config.schedule {
                    note("note: the cosine schedule now spans \(epochs) epochs instead of \(config.epochs)", quiet: quiet)
                }
                config.epochs = epochs
            }
            attack = try previous.adversarial.map {
                try AdversarialTraining(method: try parseMethod($0.method), eps: $0.eps, alpha: $0.alpha,
                                        steps: $0.steps, randomStart: $0.randomStart)
            }
        } else {
            config.epochs = epochs ?? 5
            config.optimizer = optimizer.flatMap(Trainer.OptimizerKind.init(rawValue:)) ?? .adam
            config.learningRate = lr ?? (config.optimizer == .adam ? 1e-3 : 0.05)
            config.momentum = momentum ?? 0.9
            config.weightDecay = weightDecay ?? 0
            config.schedule = try schedule.map(LearningRateSchedule.parse) ?? .constant
            config.batchSize = batchSize ?? 128
            config.seed = seed ?? 0
            attack = try adversarial.map {
                try AdversarialTraining(method: try parseMethod($0), eps: eps ?? 0.1, alpha: alpha ?? 0.01,
                                        steps: steps ?? 7, randomStart: !noRandomStart)
            }
        }

        // The model: a fresh architecture, or the checkpoint's weights.
        var model: Model
        var specText: String?
        let architecture: String?
        if let resume {
            model = try TrainedModelFile.load(path: resume)
            (architecture, specText) = (previous?.architecture, previous?.spec)
        } else if let spec {
            guard let text = try? String(contentsOfFile: spec, encoding: .utf8) else {
                throw ValidationError("cannot read the spec file \(spec)")
            }
            model = try SequentialSpec.parse(text, file: spec).build(seed: config.seed)
            (architecture, specText) = (nil, text)
        } else {
            let name = arch ?? "fashion-cnn"
            model = try Zoo.architecture(name, seed: config.seed)
            (architecture, specText) = (name.lowercased(), nil)
        }

        let dataSpec = data ?? previous?.data ?? DatasetSpec.fashionMNISTName
        let classes = resume != nil ? model.preset.labels : nil
        var trainData = try DatasetSpec.load(dataSpec, defaultSplit: "train", size: model.preset.inputSize,
                                             channels: model.preset.channels, classes: classes)
        let limitUsed = limit ?? previous?.limit
        trainData = try trainData.prefix(limitUsed)
        try checkFits(model, trainData)
        if resume == nil, trainData.classes != model.preset.labels {
            var preset = model.preset
            preset.labels = trainData.classes
            model = Model(name: model.name, network: model.network, preset: preset)
        }
        let validation = try validationData(dataSpec, model: model)

        let trainer = Trainer(model: model, config: config)
        var history = previous?.history ?? []
        if let resume, let previous {
            try trainer.resume(completedEpochs: previous.epochs, partial: previous.partialEpoch,
                               optimizerState: try TrainedModelFile.loadOptimizerState(for: resume))
        }
        attack?.install(on: trainer)
        let outPath = out ?? resume ?? ""
        if trainer.completedEpochs >= config.epochs {
            note("\(resume ?? outPath) already has \(trainer.completedEpochs) of \(config.epochs) epochs: nothing to do", quiet: quiet)
        } else {
            note("training \(model.name) on \(trainData.source) (\(trainData.count) images, \(trainData.classes.count) classes)"
                 + (attack.map { ", adversarial \($0.config.method.rawValue) ε=\($0.config.eps) α=\($0.config.stepSize) \($0.config.steps) steps" } ?? "")
                 + ", \(config.optimizer.rawValue) lr \(config.learningRate), \(KernelPolicy.current.threads) threads", quiet: quiet)
        }

        func save(partial: Trainer.PartialEpoch?) throws {
            var info = TrainedModelFile(architecture: architecture, spec: specText, preset: model.preset, config: config,
                                        adversarial: attack?.info, data: dataSpec, history: history)
            info.limit = limitUsed
            info.partialEpoch = partial
            try info.save(model: model, optimizerState: trainer.optimizer.state(), to: outPath)
        }

        var bar: ProgressBar?
        var lastRate = 0.0
        let stop = StopSignal(message: "stopping after this batch; the checkpoint will hold it")
        defer { stop.cancel() }
        _ = try trainer.train(on: trainData, validation: validation, shouldStop: { stop.isRequested }, progress: { p in
            // A new bar per epoch (epochDone drops the old one), also for a resumed epoch.
            if bar == nil { bar = ProgressBar("epoch \(p.epoch)/\(p.epochs)", total: p.batches, quiet: quiet) }
            lastRate = p.imagesPerSecond
            bar?.update(p.batch, status: String(format: "loss %.4f acc %.2f%% %.0f img/s", p.loss, p.accuracy * 100, p.imagesPerSecond))
        }, epochDone: { result in
            history.append(result)
            bar = nil
            try save(partial: nil)
            let test = result.testAccuracy.map { String(format: ", test acc %.2f%%", $0 * 100) } ?? ""
            note(String(format: "epoch %d/%d: loss %.4f, train acc %.2f%%", result.epoch, config.epochs, result.loss, result.accuracy * 100)
                 + test + String(format: ", %.0f s; saved %@", result.seconds, outPath), quiet: quiet)
        })

        if stop.isRequested, trainer.completedEpochs < config.epochs {
            if let partial = trainer.partial {
                try save(partial: partial)
                note("interrupted in epoch \(partial.epoch + 1), batch \(partial.batches); saved \(outPath)", quiet: quiet)
            } else {
                note("interrupted after epoch \(trainer.completedEpochs); saved \(outPath)", quiet: quiet)
            }
            note("continue with: loupe train --resume \(outPath)", quiet: false)
            throw ExitCode(130)
        }
        if json {
            let epochs: [[String: Any]] = history.map {
                ["epoch": $0.epoch, "loss": $0.loss, "accuracy": $0.accuracy, "seconds": $0.seconds,
                 "test_accuracy": $0.testAccuracy.map { $0 as Any } ?? NSNull()]
            }
            let last = history.last
            try printJSON(["out": outPath, "epochs": epochs,
                           "accuracy": (last.map { $0.testAccuracy ?? $0.accuracy }).map { $0 as Any } ?? NSNull(),
                           "images_per_second": lastRate])
        }
    }

    func parseMethod(_ text: String) throws -> AttackConfig.Method {
        guard let m = AttackConfig.Method(rawValue: text.lowercased()), m == .pgd || m == .fgsm else {
            throw ValidationError("--adversarial must be pgd or fgsm, got \(text)")
        }
        return m
    }

    /// A resumed run continues with the checkpoint's settings; contradicting them is an error.
    func checkUnchanged(_ info: TrainedModelFile, _ config: Trainer.Config) throws {
        var clashes: [String] = []
        if let optimizer, optimizer != config.optimizer.rawValue { clashes.append("--optimizer (checkpoint: \(config.optimizer.rawValue))") }
        if let lr, lr != config.learningRate { clashes.append("--lr (checkpoint: \(config.learningRate))") }
        if let momentum, momentum != config.momentum { clashes.append("--momentum (checkpoint: \(config.momentum))") }
        if let weightDecay, weightDecay != config.weightDecay { clashes.append("--weight-decay (checkpoint: \(config.weightDecay))") }
        if let schedule, try LearningRateSchedule.parse(schedule) != config.schedule { clashes.append("--schedule (checkpoint: \(config.schedule))") }
        if let batchSize, batchSize != config.batchSize { clashes.append("--batch-size (checkpoint: \(config.batchSize))") }
        if let seed, seed != config.seed { clashes.append("--seed (checkpoint: \(config.seed))") }
        if let limit, limit != info.limit { clashes.append("--limit (checkpoint: \(info.limit.map(String.init) ?? "none"))") }
        if adversarial != nil || eps != nil || alpha != nil || steps != nil || noRandomStart {
            clashes.append("--adversarial and its budget (checkpoint: \(info.adversarial.map { "\($0.method) ε=\($0.eps)" } ?? "none"))")
        }
        if !clashes.isEmpty {
            throw ValidationError("--resume continues the checkpoint's run with its own settings; drop \(clashes.joined(separator: ", "))")
        }
    }

    func checkFits(_ model: Model, _ data: LabeledImages) throws {
        guard data.channels == model.preset.channels, data.height == model.preset.inputSize, data.width == model.preset.inputSize else {
            throw ValidationError("\(model.name) takes \(model.preset.channels)×\(model.preset.inputSize)×\(model.preset.inputSize) images but \(data.source) has \(data.channels)×\(data.height)×\(data.width)")
        }
        let outputs = try model.layers().last?.shape.last ?? 0
        guard outputs == data.classes.count else {
            throw ValidationError("\(model.name) has \(outputs) outputs but \(data.source) has \(data.classes.count) classes; "
                                  + "define the network with --spec and a last layer 'linear: {out: \(data.classes.count)}'")
        }
    }

    /// The held-out data for per-epoch accuracy: --validate, else the test split when
    /// the training data has one.
    func validationData(_ dataSpec: String, model: Model) throws -> LabeledImages? {
        if heldOut?.lowercased() == "none" { return nil }
        let (size, channels, labels) = (model.preset.inputSize, model.preset.channels, model.preset.labels)
        if let heldOut {
            return try DatasetSpec.load(heldOut, defaultSplit: "test", size: size, channels: channels, classes: labels)
        }
        if dataSpec.hasSuffix(":test") { return nil }
        let base = dataSpec.hasSuffix(":train") ? String(dataSpec.dropLast(6)) : dataSpec
        do {
            return try DatasetSpec.load(base + ":test", defaultSplit: "test", size: size, channels: channels, classes: labels)
        } catch DatasetError.missing {
            return nil  // no test split beside the training data: report training accuracy only
        }
    }
}

extension Train: KernelPolicyOptions {
    func adjust(_ policy: inout KernelPolicy) { if let threads { policy.threads = threads } }
}
