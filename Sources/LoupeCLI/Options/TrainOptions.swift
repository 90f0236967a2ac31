import ArgumentParser
import LoupeAttack
import LoupeNN

// The options of `loupe train`, by concept. Each is optional so that, with --resume, a
// value given can be told from one left to the checkpoint; each group maps itself onto
// TrainSettings.

/// The network to train, and where its checkpoints go.
struct NetworkOptions: ParsableArguments {
    @Option(help: "Zoo architecture: fashion-cnn (default), fashion-cnn-large, or any zoo name.")
    var arch: String?

    @Option(help: "Sequential YAML architecture instead of --arch.")
    var spec: String?

    @OptionGroup var checkpoint: CheckpointOptions

    func apply(to s: inout TrainSettings) {
        (s.arch, s.spec, s.out, s.resume) = (arch, spec, checkpoint.out, checkpoint.resume)
    }
}

/// The checkpoint written after every epoch, and the one a run continues.
struct CheckpointOptions: ParsableArguments {
    @Option(help: "Checkpoint to write, ending in .safetensors (default with --resume: the same file).")
    var out: String?

    @Option(help: "Continue the run saved in this checkpoint.")
    var resume: String?
}

/// What the network learns from, and what it is checked on after every epoch.
struct TrainDataOptions: ParsableArguments {
    @Option(help: "Training data: fashion-mnist, an IDX folder or an image folder, optionally :train or :test.")
    var data: String?

    @Option(help: "Train on the first N images only.")
    var limit: Int?

    @Option(name: .customLong("validate"),
            help: "Data to report accuracy on after each epoch (default: the test split when there is one), or none.")
    var heldOut: String?

    func apply(to s: inout TrainSettings) { (s.data, s.limit, s.validation) = (data, limit, heldOut) }
}

/// The optimizer and its learning-rate schedule.
struct OptimizerOptions: ParsableArguments {
    @Option(help: "Optimizer (default adam).")
    var optimizer: Trainer.OptimizerKind?

    @Option(help: "Learning rate (default 1e-3 for adam, 0.05 for sgd).")
    var lr: Float?

    @Option(help: "Learning-rate schedule: constant (default), cosine, cosine:EPOCHS or step:EVERY:GAMMA.",
            transform: { try LearningRateSchedule.parse($0) })
    var schedule: LearningRateSchedule?

    @Option(help: "SGD momentum (default 0.9).")
    var momentum: Float?

    @Option(help: "L2 weight decay (default 0).")
    var weightDecay: Float?

    func apply(to s: inout TrainSettings) {
        (s.optimizer, s.lr, s.schedule, s.momentum, s.weightDecay) = (optimizer, lr, schedule, momentum, weightDecay)
    }
}

/// Madry et al.'s adversarial training: the attack each batch goes through first.
struct AdversaryOptions: ParsableArguments {
    @Option(help: "Adversarial training: each batch is attacked first.")
    var adversarial: TrainSettings.Adversarial.Method?

    @OptionGroup var stepping: StepOptions

    @Option(help: "L∞ budget of the training attack in pixel units, e.g. 0.1 or 8/255 (default 0.1).")
    var eps: Budget?

    @Flag(help: "Attack from the image itself, not a random point of the ε-ball (fgsm then steps ε).")
    var noRandomStart = false

    func validate() throws {
        if adversarial == nil && (eps != nil || stepping.alpha != nil || stepping.steps != nil || noRandomStart) {
            throw ValidationError("--eps, --alpha, --steps and --no-random-start need --adversarial pgd or fgsm")
        }
    }

    func apply(to s: inout TrainSettings) {
        s.adversarial = adversarial.map { method in
            var a = TrainSettings.Adversarial(method: method)
            (a.eps, a.alpha) = (eps?.value ?? a.eps, stepping.alpha?.value ?? a.alpha)
            (a.steps, a.randomStart) = (stepping.steps ?? a.steps, !noRandomStart)
            return a
        }
    }
}

/// How the run goes through the data: epochs, batches, seed and threads.
struct ScheduleOptions: ParsableArguments {
    @Option(help: "Total epochs (default 5; with --resume, the checkpoint's target).")
    var epochs: Int?

    @Option(help: "Images per batch (default 128).")
    var batchSize: Int?

    @Option(help: "Seed for initialization, shuffling, dropout and attack starts (default 0).")
    var seed: UInt64?

    func apply(to s: inout TrainSettings) { (s.epochs, s.batchSize, s.seed) = (epochs, batchSize, seed) }
}

extension Trainer.OptimizerKind: ExpressibleByArgument {}
extension TrainSettings.Adversarial.Method: ExpressibleByArgument {}
