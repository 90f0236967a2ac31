import ArgumentParser
import Foundation
import LoupeAttack
import LoupeReport
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
        early). A kill -9 loses at most the epoch in flight. --adversarial pgd attacks each batch with
        ε = 0.1, α = 0.01 and 7 steps unless told; --adversarial fgsm is Wong et al.'s fast
        adversarial training (a random start, one step of α = 1.25ε), about 4× cheaper, which can
        overfit catastrophically: check the model with `loupe robustness --attacks fgsm,pgd`,
        whose audit flags FGSM accuracy far above PGD's.

        Examples:
          loupe train --data fashion-mnist --arch fashion-cnn --epochs 5 \\
              --out fashion.safetensors
          loupe train --arch fashion-cnn --optimizer sgd --lr 0.05 --schedule cosine \\
              --out sgd.safetensors
          loupe train --adversarial pgd --eps 0.1 --alpha 0.01 --steps 7 \\
              --out robust.safetensors
          loupe train --adversarial fgsm --eps 0.1 --out fast.safetensors
          loupe train --resume fashion.safetensors --epochs 10
          loupe train --data my-photos/ --spec my-cnn.yaml --out mine.safetensors
        """))

    @OptionGroup var network: NetworkOptions

    @OptionGroup var data: TrainDataOptions

    @OptionGroup var schedule: ScheduleOptions

    @OptionGroup var optimizer: OptimizerOptions

    @OptionGroup var adversary: AdversaryOptions

    @Option(help: "Worker threads (default: all cores or LOUPE_THREADS). Results do not depend on it.")
    var threads: Int?

    @Option(help: "Also write a run folder here (beside anything it holds, such as the checkpoint): result.json, loss and accuracy per epoch, index.html.")
    var report: String?

    @OptionGroup var printing: PrintOptions

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        try settings.validate()
    }

    var settings: TrainSettings {
        var s = TrainSettings()
        network.apply(to: &s)
        schedule.apply(to: &s)
        data.apply(to: &s)
        optimizer.apply(to: &s)
        adversary.apply(to: &s)
        return s
    }

    func run() throws {
        let stop = StopSignal(message: "stopping after this batch; the checkpoint will hold it")
        defer { stop.cancel() }
        var events = Training.Events()
        var bar: ProgressBar?
        events.note = { note($0, quiet: printing.quiet) }
        events.shouldStop = { stop.isRequested }
        events.epochDone = { _ in bar = nil }
        events.progress = { p in
            // A new bar per epoch, also for a resumed one.
            bar = bar ?? ProgressBar("epoch \(p.epoch)/\(p.epochs)", total: p.batches, quiet: printing.quiet)
            let measure = p.accuracy.map { String(format: "loss %.4f acc %.2f%%", p.loss, $0 * 100) } ?? String(format: "ELBO %.2f", -p.loss)
            bar?.update(p.batch, status: measure + String(format: " %.0f img/s", p.imagesPerSecond))
        }
        let result = try Training.run(settings, events: events)
        if result.interrupted {
            note("continue with: loupe train --resume \(result.out)", quiet: false)
            throw ExitCode(130)
        }
        guard let report else { return try printing.json ? printJSON(result) : () }
        // The report may share its folder with the checkpoint it describes (a recipe's train step does).
        try withRunFolder(try RunFolder(command: "train", out: report, besideOtherFiles: true), quiet: printing.quiet) {
            try TrainReport.write(result, to: $0, command: OutputOptions.commandLine)
        } show: {
            if printing.json { try printJSON(result) }
        }
    }
}

extension Train: KernelPolicyOptions {
    func adjust(_ policy: inout KernelPolicy) { if let threads { policy.threads = threads } }
}
