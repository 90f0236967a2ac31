import ArgumentParser
import Foundation
import LoupeAttack
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

    @Option(help: "Optimizer (default adam).")
    var optimizer: Trainer.OptimizerKind?

    @Option(help: "Learning rate (default 1e-3 for adam, 0.05 for sgd).")
    var lr: Float?

    @Option(help: "SGD momentum (default 0.9).")
    var momentum: Float?

    @Option(help: "L2 weight decay (default 0).")
    var weightDecay: Float?

    @Option(help: "Learning-rate schedule: constant (default), cosine, cosine:EPOCHS or step:EVERY:GAMMA.",
            transform: { try LearningRateSchedule.parse($0) })
    var schedule: LearningRateSchedule?

    @Option(help: "Images per batch (default 128).")
    var batchSize: Int?

    @Option(help: "Adversarial training (Madry et al.): each batch is attacked first.")
    var adversarial: TrainSettings.Adversarial.Method?

    @Option(help: "L∞ budget of the training attack in pixel units, e.g. 0.1 or 8/255 (default 0.1).")
    var eps: Budget?

    @Option(help: "PGD step size, e.g. 0.01 or 2/255 (default 0.01).")
    var alpha: Budget?

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
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if adversarial == nil && (eps != nil || alpha != nil || steps != nil || noRandomStart) {
            throw ValidationError("--eps, --alpha, --steps and --no-random-start need --adversarial pgd")
        }
        try settings.validate()
    }

    var settings: TrainSettings {
        var s = TrainSettings()
        (s.data, s.arch, s.spec, s.epochs, s.optimizer, s.lr, s.momentum) = (data, arch, spec, epochs, optimizer, lr, momentum)
        (s.weightDecay, s.schedule, s.batchSize, s.seed, s.limit) = (weightDecay, schedule, batchSize, seed, limit)
        (s.validation, s.out, s.resume) = (heldOut, out, resume)
        s.adversarial = adversarial.map { method in
            var a = TrainSettings.Adversarial(method: method)
            (a.eps, a.alpha, a.steps, a.randomStart) = (eps?.value ?? a.eps, alpha?.value ?? a.alpha, steps ?? a.steps, !noRandomStart)
            return a
        }
        return s
    }

    func run() throws {
        if let threads { Parallel.threads = threads }
        let stop = StopSignal(message: "stopping after this batch; the checkpoint will hold it")
        defer { stop.cancel() }
        var events = Training.Events()
        var bar: ProgressBar?
        events.note = { note($0, quiet: quiet) }
        events.shouldStop = { stop.isRequested }
        events.epochDone = { _ in bar = nil }
        events.progress = { p in
            // A new bar per epoch, also for a resumed one.
            bar = bar ?? ProgressBar("epoch \(p.epoch)/\(p.epochs)", total: p.batches, quiet: quiet)
            bar?.update(p.batch, status: String(format: "loss %.4f acc %.2f%% %.0f img/s", p.loss, p.accuracy * 100, p.imagesPerSecond))
        }
        let result = try Training.run(settings, events: events)
        if result.interrupted {
            note("continue with: loupe train --resume \(result.out)", quiet: false)
            throw ExitCode(130)
        }
        if json { try printJSON(result) }
    }
}

extension Trainer.OptimizerKind: ExpressibleByArgument {}
extension TrainSettings.Adversarial.Method: ExpressibleByArgument {}
