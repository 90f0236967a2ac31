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
        --shard i/n runs the i-th of n slices (0-based); combine them with `loupe merge`.

        Examples:
          loupe robustness --model fashion.safetensors --data fashion-mnist:test \\
              --attacks fgsm,pgd --eps 0,0.05,0.1,0.15,0.2
          loupe robustness --model fashion.safetensors --attacks pgd --eps 0.1 \\
              --steps 20 --alpha 0.01 --limit 1000
          loupe robustness --model fashion.safetensors \\
              --attacks fgsm,pgd,apgd:100 --eps 0,0.05,0.1
          loupe robustness --model fashion.safetensors --shard 3/8 \\
              --out runs/shard-3 --resume
        """))

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "fashion-mnist:test, fashion-mnist:train, a folder of IDX files, or an image folder (one subfolder per class).")
    var data = "fashion-mnist:test"

    @Option(help: "Comma-separated attacks: fgsm, bim, pgd, mifgsm, apgd, cw; NAME:N gives one its own steps (apgd:100).")
    var attacks = "fgsm,pgd"

    @Option(help: "Comma-separated budgets in pixel units (fractions like 8/255 work).")
    var eps = "0,0.05,0.1,0.15,0.2"

    @Option(help: "linf or l2 (for bim, pgd and apgd).")
    var norm = "linf"

    @Option(help: "Iterations of the iterative attacks (APGD included), except those given as NAME:N in --attacks.")
    var steps = 20

    @Option(help: "Step size (default 2.5·ε/steps; APGD adapts its own).")
    var alpha: String?

    @Option(help: "Loss the gradient attacks climb: ce, margin or dlr (Croce & Hein's scale-invariant ratio, AutoAttack's APGD-DLR with apgd). cw keeps its margin.")
    var loss = "ce"

    @Option(help: "Random restarts for PGD and APGD.")
    var restarts = 1

    @Option(help: "Only the first N samples.")
    var limit: Int?

    @Option(help: "Samples per batch.")
    var batch = 128

    @Option(help: "Process slice i of n (0-based), e.g. 0/4.")
    var shard: String?

    @Flag(help: "Finish an interrupted run in --out (same command).")
    var resume = false

    @Flag(help: "Skip the ε = 1 PGD self-check.")
    var noUnboundedCheck = false

    @Option(help: "Random seed (PGD random starts).")
    var seed: UInt64 = 0

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if restarts < 1 { throw ValidationError("--restarts must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if AttackConfig.Norm(rawValue: norm) == nil { throw ValidationError("--norm must be linf or l2") }
        _ = try parseLoss(loss)
        if resume && output.out == nil { throw ValidationError("--resume needs --out DIR (the folder of the run to finish)") }
        _ = try parsedAttacks()
        _ = try parsedEpsilons()
        if let shard { do { _ = try Shard(parsing: shard) } catch { throw ValidationError("\(error)") } }
    }

    /// `--attacks` as methods in order, with the steps of those written NAME:N.
    func parsedAttacks() throws -> (methods: [AttackConfig.Method], steps: [AttackConfig.Method: Int]) {
        var methods: [AttackConfig.Method] = [], own: [AttackConfig.Method: Int] = [:]
        for entry in attacks.split(separator: ",") {
            let parts = entry.trimmingCharacters(in: .whitespaces).lowercased().split(separator: ":", omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard let m = AttackConfig.Method(rawValue: name) else {
                throw ValidationError("--attacks: unknown attack '\(name)'; choose from fgsm, bim, pgd, mifgsm, apgd, cw")
            }
            guard !methods.contains(m) else { throw ValidationError("--attacks lists \(name) twice") }
            if parts.count > 1 {
                guard parts.count == 2, let n = Int(parts[1]), n >= 1 else {
                    throw ValidationError("--attacks: '\(entry)' should be \(name):STEPS with STEPS ≥ 1, e.g. apgd:100")
                }
                if m == .fgsm && n != 1 { throw ValidationError("--attacks: fgsm is a single step; drop ':\(n)' or use bim") }
                own[m] = n
            }
            methods.append(m)
        }
        return (methods, own)
    }

    func parsedEpsilons() throws -> [Float] {
        let values = try eps.split(separator: ",").map { try parseBudget(String($0), option: "--eps") }
        if values.isEmpty { throw ValidationError("--eps lists no budget") }
        return values
    }

    func run() throws {
        let model = try modelOptions.load()
        let dataset = try DatasetSpec.load(data, defaultSplit: "test", size: model.preset.inputSize,
                                           channels: model.preset.channels, classes: model.preset.labels)
        let total = min(limit ?? dataset.count, dataset.count)
        let modelName = modelOptions.model ?? modelOptions.arch.map { "\($0):\(modelOptions.weights ?? "")" }
            ?? modelOptions.spec.map { "\($0):\(modelOptions.weights ?? "")" } ?? "efficientnet-lite0"
        let (methods, ownSteps) = try parsedAttacks()
        let settings = SweepSettings(
            model: modelName, data: data, total: total, attacks: methods, norm: AttackConfig.Norm(rawValue: norm) ?? .linf,
            epsilons: try parsedEpsilons(), steps: steps, alpha: try alpha.map { try parseBudget($0, option: "--alpha") },
            restarts: restarts, seed: seed, loss: try parseLoss(loss), attackSteps: ownSteps,
            unboundedCheck: !noUnboundedCheck, shard: try shard.map { try Shard(parsing: $0) })
        var sweep = try RobustnessSweep(model: model, data: dataset, settings: settings)
        sweep.batchSize = batch
        let folder = URL(fileURLWithPath: output.out ?? "Outputs/\(runStamp())-robustness")

        let bar = ProgressBar("robustness", total: settings.ids.count, quiet: output.quiet)
        let start = Date()
        let records = try sweep.run(into: folder, resume: resume) { done, _ in bar.update(done) }
        let summary = try RobustnessSummary(settings: settings, records: records)
        try RobustnessReport.write(summary, to: folder, command: OutputOptions.commandLine)
        note(String(format: "%d samples in %.1f s; report: %@", records.count, Date().timeIntervalSince(start),
                    folder.appendingPathComponent("index.html").path), quiet: output.quiet)
        if let failed = summary.audit.first(where: { !$0.passed }) {
            note("SELF-AUDIT FAILED: \(failed.check): \(failed.detail)")
        }
        if output.json { try printJSON(summary.json(run: folder.path)) }
        else if !output.quiet { printTable(summary) }
    }
}

func printTable(_ s: RobustnessSummary) {
    print(String(format: "clean accuracy %.2f%% (n = %d)", s.clean.value * 100, s.n))
    print("attack      eps   robust acc   95% CI              success rate")
    for r in s.rows {
        let c = r.robust.ci95
        print(String(format: "%-8@ %6.4g   %7.2f%%   [%6.2f%%, %6.2f%%]   %7.2f%%", r.attack.rawValue as NSString, r.eps,
                     r.robust.value * 100, c.lower * 100, c.upper * 100, r.success.value * 100))
    }
    for c in s.audit { print("\(c.passed ? "PASS" : "FAIL")  \(c.check): \(c.detail)") }
}

/// UTC time stamp for default run folder names.
func runStamp() -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyyMMdd-HHmmss"
    return f.string(from: Date())
}
