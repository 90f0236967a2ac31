import ArgumentParser
import Foundation
import LoupeAttack
import LoupeTensor

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accuracy, per-class accuracy and confusion matrix of a model on a data set.",
        discussion: helpText("""
        Writes a run folder (result.json, confusion.png, misclassified.png, index.html) under
        --out DIR or Outputs/. With --attack, every image is attacked first and the numbers
        describe the adversarial images (clean accuracy is reported beside them). The attack runs 20
        steps (100 for apgd, apgd-t and fab-t) of 2.5·ε/steps unless told. --attacks autoattack runs
        AutoAttack's standard version and reports how many images each of its attacks broke.

        Examples:
          loupe evaluate --model fashion.safetensors --data fashion-mnist:test --json
          loupe evaluate --model robust.safetensors --attack pgd --eps 0.1 \\
              --alpha 0.01 --steps 20
          loupe evaluate --model robust.safetensors --attacks autoattack --eps 0.1
          loupe evaluate --arch fashion-cnn --weights w.safetensors \\
              --data my-photos/test
        """))

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var data: DataOptions

    @Option(name: [.customLong("attack"), .customLong("attacks")],
            help: ArgumentHelp("Attack every image first (\(AttackConfig.Method.allCases.filter { $0 != .cw }.map(\.rawValue).joined(separator: ", "))); autoattack runs AutoAttack's four in cascade.",
                               valueName: "method"))
    var attack: AttackConfig.Method?

    @Option(help: "Attack budget in pixel units, e.g. 0.1 or 8/255.")
    var eps = Budget(0.1)

    @OptionGroup var attackOptions: AttackOptions

    @Option(help: "Worker threads (default: all cores or LOUPE_THREADS).")
    var threads: Int?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if modelOptions.model == nil && modelOptions.arch == nil && modelOptions.spec == nil {
            throw ValidationError("give the model to evaluate: --model FILE.safetensors (or --arch/--spec with --weights)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let attack { try attackOptions.check(for: attack) }
        try settings.validate()
    }

    var settings: EvaluateSettings {
        var s = EvaluateSettings()
        (s.data, s.limit, s.batchSize) = (data.data, data.limit, data.batchSize(default: 256))
        s.attack = attack.map { method in
            var a = EvaluateSettings.Attack(method: method)
            (a.norm, a.eps, a.alpha, a.steps) = (attackOptions.norm ?? .linf, eps.value, attackOptions.alpha?.value, attackOptions.steps)
            (a.loss, a.restarts, a.seed) = (attackOptions.loss ?? .ce, attackOptions.restarts, attackOptions.seed)
            (a.queries, a.targetClasses) = (attackOptions.queries, attackOptions.targetClasses)
            return a
        }
        return s
    }

    func run() throws {
        let model = try modelOptions.load()
        var bar: ProgressBar?
        let evaluation = try ModelEvaluation.run(model: model, settings: settings) { done, total in
            bar = bar ?? ProgressBar(attack.map { "evaluate under \($0.rawValue)" } ?? "evaluate", total: total, quiet: output.quiet)
            bar?.update(done)
        }
        try withRunFolder("evaluate", output) {
            try EvaluateReport.write(evaluation, to: $0, command: OutputOptions.commandLine)
        } show: {
            if output.json { try printJSON(evaluation.result.brief) } else { print(evaluation.summary) }
        }
    }
}

extension Evaluate: KernelPolicyOptions {
    func adjust(_ policy: inout KernelPolicy) { if let threads { policy.threads = threads } }
}
