import ArgumentParser
import Foundation
import LoupeAttack
import LoupeData
import LoupeNN

struct Robustness: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Robust accuracy of a model under attacks over a range of budgets, with a self-audit.",
        discussion: helpText("""
        Writes per-sample records (records.jsonl, appended and flushed after every batch), then
        result.json, accuracy.svg and index.html. Budgets cascade: a sample broken at a smaller ε is
        not attacked again at a larger one. Robust accuracy (over all samples) and attack success
        rate (over the samples correct before the attack) are reported separately with Wilson 95%
        intervals. After an interruption (even kill -9) rerun the same command with --resume.
        --shard i/n runs the i-th of n slices (0-based); combine them with `loupe merge`. Every
        iterative attack runs --steps (default 20) unless --attacks gives it its own (apgd:100).
        autoattack is AutoAttack's standard version: APGD-CE and APGD-T (100 steps), FAB-T (100
        iterations) and Square (--queries, 5000) in cascade, each on the samples the ones before
        left correct; the report says how many samples each broke. The audit flags what makes
        such numbers unreliable: a randomized model, probabilities instead of logits, zero
        gradients, a black-box attack breaking what the gradient attacks could not (gradient
        masking), too few classes for the targeted attacks, FGSM far above PGD (catastrophic
        overfitting).

        Examples:
          loupe robustness --model fashion.safetensors --data fashion-mnist:test \\
              --attacks fgsm,pgd --eps 0,0.05,0.1,0.15,0.2
          loupe robustness --model fashion.safetensors --attacks pgd --eps 0.1 \\
              --steps 20 --alpha 0.01 --limit 1000
          loupe robustness --model fashion.safetensors \\
              --attacks fgsm,pgd,apgd:100 --eps 0,0.05,0.1
          loupe robustness --model robust.safetensors --attacks autoattack --eps 0.1
          loupe robustness --model fashion.safetensors --shard 3/8 \\
              --out runs/shard-3 --resume
        """))

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Comma-separated attacks: \(AttackConfig.Method.allValueStrings.joined(separator: ", ")); NAME:N gives one its own steps (apgd:100).",
                               valueName: "attacks"),
            transform: AttackList.init(parsing:))
    var attacks = AttackList([.fgsm, .pgd])

    @Option(help: "Comma-separated budgets in pixel units (fractions like 8/255 work).")
    var eps = BudgetList([0, 0.05, 0.1, 0.15, 0.2])

    @OptionGroup var attack: AttackOptions

    @Option(help: "Process slice i of n (0-based), e.g. 0/4.", transform: { try Shard(parsing: $0) })
    var shard: Shard?

    @Flag(help: "Finish an interrupted run in --out (same command).")
    var resume = false

    @Flag(help: "Skip the ε = 1 PGD self-check.")
    var noUnboundedCheck = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if resume && output.folder == nil { throw ValidationError("--resume needs --out DIR (the folder of the run to finish)") }
        try settings(total: 1).validate()
    }

    /// The sweep these options ask for over `total` samples. The split is named, so
    /// `--data fashion-mnist` and `--data fashion-mnist:test` resume and merge as one run.
    func settings(total: Int) -> SweepSettings {
        let dataName = data.data == DatasetSpec.fashionMNISTName ? "\(data.data):test" : data.data
        let modelName = modelOptions.model ?? modelOptions.arch.map { "\($0):\(modelOptions.weights ?? "")" }
            ?? modelOptions.spec.map { "\($0):\(modelOptions.weights ?? "")" } ?? "efficientnet-lite0"
        return SweepSettings(
            model: modelName, data: dataName, total: total, attacks: attacks.methods, norm: attack.norm ?? .linf,
            epsilons: eps.values, steps: attack.steps ?? 20, alpha: attack.alpha?.value, restarts: attack.restarts,
            seed: attack.seed, loss: attack.loss, attackSteps: attacks.steps, queries: attack.queries,
            targetClasses: attack.targetClasses, unboundedCheck: !noUnboundedCheck, shard: shard)
    }

    func run() throws {
        let model = try modelOptions.load()
        let dataset = try DatasetSpec.load(data.data, defaultSplit: "test", size: model.preset.inputSize,
                                           channels: model.preset.channels, classes: model.preset.labels)
        let settings = settings(total: min(data.limit ?? dataset.count, dataset.count))
        var sweep = try RobustnessSweep(model: model, data: dataset, settings: settings)
        sweep.batchSize = data.batchSize(default: 128)
        let bar = ProgressBar("robustness", total: settings.ids.count, quiet: output.quiet)
        let start = Date()
        try withRunFolder("robustness", output, resumable: true) { folder in
            let records = try sweep.run(into: folder, resume: resume) { done, _ in bar.update(done) }
            let summary = try RobustnessSummary(settings: settings, records: records)
            try RobustnessReport.write(summary, to: folder, command: OutputOptions.commandLine)
            return (summary, folder.url.path)
        } show: { summary, run in
            note(String(format: "%d samples in %.1f s", summary.n, Date().timeIntervalSince(start)), quiet: output.quiet)
            try report(summary, run: run, output)
        }
    }
}

/// What `robustness` and `merge` print: the self-audit's failures always, then the
/// result as JSON or a table.
func report(_ s: RobustnessSummary, run: String, _ output: OutputOptions) throws {
    for failed in s.audit where !failed.passed { note("SELF-AUDIT FAILED: \(failed.check): \(failed.detail)") }
    if output.json { try printJSON(s.result(run: run).brief) } else if !output.quiet { printTable(s) }
}

func printTable(_ s: RobustnessSummary) {
    print(String(format: "clean accuracy %.2f%% (n = %d)", s.clean.value * 100, s.n))
    print("attack      eps   robust acc   95% CI              success rate")
    for r in s.rows {
        let c = r.robust.ci95
        print(String(format: "%-8@ %6.4g   %7.2f%%   [%6.2f%%, %6.2f%%]   %7.2f%%", r.attack.rawValue as NSString, r.eps,
                     r.robust.value * 100, c.lower * 100, c.upper * 100, r.success.value * 100))
    }
    for r in s.rows {
        if let line = r.contributions { print(String(format: "%@ at ε = %g: ", r.attack.rawValue, r.eps) + line) }
        if let q = r.queries {
            print(String(format: "%@ at ε = %g: %d model queries, %.1f per sample queried", r.attack.rawValue, r.eps, q.total, q.mean)
                  + (q.medianToBreak.map { String(format: ", median %g to break", $0) } ?? ""))
        }
    }
    for c in s.audit { print("\(c.passed ? "PASS" : "FAIL")  \(c.check): \(c.detail)") }
}
