import ArgumentParser
import Foundation
import LoupeAttack
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Accuracy, per-class accuracy and confusion matrix of a model on a data set.",
        discussion: helpText("""
        Writes a run folder (result.json, confusion.png, misclassified.png, index.html) under
        --report DIR or Outputs/. With --attack, every image is attacked first and the numbers
        describe the adversarial images (clean accuracy is reported beside them).

        Examples:
          loupe evaluate --model fashion.safetensors --data fashion-mnist:test --json
          loupe evaluate --model robust.safetensors --attack pgd --eps 0.1 \\
              --alpha 0.01 --steps 20
          loupe evaluate --arch fashion-cnn --weights w.safetensors \\
              --data my-photos/test
        """))

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Data: fashion-mnist (its test split), an IDX folder or an image folder, optionally :train or :test.")
    var data = "fashion-mnist"

    @Option(help: "Evaluate the first N images only.")
    var limit: Int?

    @Option(help: "Images per batch.")
    var batchSize = 256

    @Option(help: "Attack every image first: pgd, apgd, bim, fgsm or mifgsm (L∞).")
    var attack: String?

    @Option(help: "Attack budget, L∞ in pixel units.")
    var eps: Float = 0.1

    @Option(help: "Attack step size (default 2.5·eps/steps).")
    var alpha: Float?

    @Option(help: "Attack steps (default 20; 100 for apgd).")
    var steps: Int?

    @Option(help: "Loss the attack climbs: ce, margin or dlr (scale-invariant; AutoAttack's APGD-DLR with apgd).")
    var loss = "ce"

    @Option(help: "Attack restarts (random starts).")
    var restarts = 1

    @Option(help: "Seed of the attack's random starts.")
    var seed: UInt64 = 0

    @Option(help: "Worker threads (default: all cores or LOUPE_THREADS).")
    var threads: Int?

    @Option(help: "Run folder to write (default: Outputs/<time>-evaluate).")
    var report: String?

    @Flag(help: "Print {\"accuracy\": a, \"n\": N, \"per_class\": [...], \"confusion\": [[...]]} on stdout.")
    var json = false

    @Flag(help: "No progress bars or status lines.")
    var quiet = false

    func validate() throws {
        if modelOptions.model == nil && modelOptions.arch == nil && modelOptions.spec == nil {
            throw ValidationError("give the model to evaluate: --model FILE.safetensors (or --arch/--spec with --weights)")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let attack, AttackConfig.Method(rawValue: attack.lowercased()).map({ $0 == .cw }) ?? true {
            throw ValidationError("--attack must be pgd, apgd, bim, fgsm or mifgsm, got \(attack)")
        }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        _ = try parseLoss(loss)
        if attack?.lowercased() == "apgd" && alpha != nil {
            throw ValidationError("--alpha does not apply to apgd, which adapts its own step size")
        }
    }

    func run() throws {
        let model = try modelOptions.load()
        let dataset = try DatasetSpec.load(data, defaultSplit: "test", size: model.preset.inputSize,
                                           channels: model.preset.channels, classes: model.preset.labels).prefix(limit)
        guard dataset.channels == model.preset.channels, dataset.height == model.preset.inputSize,
              dataset.width == model.preset.inputSize else {
            throw ValidationError("\(model.name) takes \(model.preset.channels)×\(model.preset.inputSize)×\(model.preset.inputSize) images but \(dataset.source) has \(dataset.channels)×\(dataset.height)×\(dataset.width)")
        }
        var attacker: Attacker?
        if let attack, let method = AttackConfig.Method(rawValue: attack.lowercased()) {
            var config = AttackConfig(method: method, eps: eps, alpha: alpha, steps: steps ?? (method == .apgd ? 100 : 20))
            config.restarts = restarts
            config.seed = seed
            config.loss = try parseLoss(loss)
            attacker = try Attacker(model: model, config: config)
        }

        let bar = ProgressBar(attacker == nil ? "evaluate" : "evaluate under \(attack ?? "")", total: dataset.count, quiet: quiet)
        let k = dataset.classes.count
        var clean = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var attacked = clean
        var mistakes: [(index: Int, image: Tensor, truth: Int, predicted: Int)] = []
        var start = 0
        while start < dataset.count {
            let indices = Array(start..<min(start + batchSize, dataset.count))
            let (images, labels) = try dataset.batch(indices)
            let logits = try model.logits(images)
            guard logits.rank == 2, logits.shape[1] == k else {
                throw ValidationError("\(model.name) outputs \(logits.shape.dropFirst().map(String.init).joined(separator: "×")) values per image but \(dataset.source) has \(k) classes")
            }
            let predictions = try logits.argmax()
            for (p, l) in zip(predictions, labels) { clean[l][p] += 1 }
            var shown = images, final = predictions
            if let attacker {
                let outcome = try attacker.run(images, labels: labels, sampleIDs: indices)
                for (p, l) in zip(outcome.predictions, labels) { attacked[l][p] += 1 }
                (shown, final) = (outcome.adversarial, outcome.predictions)
            }
            for (b, (p, l)) in zip(final, labels).enumerated() where p != l && mistakes.count < 40 {
                mistakes.append((indices[b], try shown.narrowed(axis: 0, start: b, length: 1), l, p))
            }
            start += batchSize
            bar.update(min(start, dataset.count))
        }
        let cleanEval = Evaluation(confusion: clean, classes: dataset.classes)
        let eval = attacker == nil ? cleanEval : Evaluation(confusion: attacked, classes: dataset.classes)
        var summary: [String: Any] = [
            "accuracy": eval.accuracy, "n": eval.n, "per_class": eval.perClass, "confusion": eval.confusion,
        ]
        if let attacker {
            summary["clean_accuracy"] = cleanEval.accuracy
            // Through the shortest decimal spelling, so 0.01 prints as 0.01, not 0.009999999776.
            func decimal(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }
            summary["attack"] = ["method": attacker.config.method.rawValue, "eps": decimal(attacker.config.eps),
                                 "alpha": decimal(attacker.config.stepSize), "steps": attacker.config.steps,
                                 "restarts": attacker.config.restarts, "random_start": attacker.config.randomStart,
                                 "seed": attacker.config.seed] as [String: Any]
        }

        let run = try RunFolder(command: "evaluate", out: report)
        do {
            try writeReport(run, model: model, dataset: dataset, eval: eval, clean: cleanEval, summary: summary, mistakes: mistakes)
            try run.finish()
        } catch {
            run.discard()
            throw error
        }
        if json {
            try printJSON(summary)
        } else {
            print(String(format: "accuracy %.2f%% on %d images of %@", eval.accuracy * 100, eval.n, dataset.source)
                  + (attacker == nil ? "" : String(format: " under %@ (clean %.2f%%)", attack ?? "", cleanEval.accuracy * 100)))
            for (name, acc) in zip(dataset.classes, eval.perClass) { print(String(format: "  %6.2f%%  %@", acc * 100, name)) }
        }
        note("report: \(run.finalPath("index.html"))", quiet: quiet)
    }

    func writeReport(
        _ folder: RunFolder, model: Model, dataset: LabeledImages, eval: Evaluation, clean: Evaluation,
        summary: [String: Any], mistakes: [(index: Int, image: Tensor, truth: Int, predicted: Int)]
    ) throws {
        var result = summary
        result["classes"] = dataset.classes
        result["model"] = model.name
        result["data"] = dataset.source
        result["command"] = OutputOptions.commandLine
        try folder.writeJSON(result)
        try folder.write(Data(try ConfusionMatrixPicture.heatMap(eval.confusion).pngData()), to: "confusion.png")
        if !mistakes.isEmpty {
            let images = try Image.images(from: try Tensor.concat(mistakes.map(\.image), axis: 0))
            try folder.write(Data(try ImageGrid.make(images, columns: 10, cell: 84).pngData()), to: "misclassified.png")
        }

        var page = HTMLPage(title: "Evaluation · \(model.name) · \(dataset.source)")
        let attacked = summary["attack"] != nil
        page.paragraph(String(format: "Accuracy %.2f%% on %d images", eval.accuracy * 100, eval.n)
                       + (attacked ? String(format: " under attack (clean accuracy %.2f%%).", clean.accuracy * 100) : "."))
        page.heading("Confusion matrix")
        page.paragraph("Rows are the true class, columns the predicted one; blue cells are correct, red ones mistakes.")
        page.svg(ConfusionMatrixPicture.svg(eval.confusion, classes: dataset.classes))
        page.link("confusion.png", to: "confusion.png")
        page.heading("Per class")
        page.table(headers: ["#", "class", "images", "accuracy"] + (attacked ? ["clean accuracy"] : []),
                   rows: dataset.classes.indices.map { i in
                       [String(i), dataset.classes[i], String(eval.confusion[i].reduce(0, +)),
                        String(format: "%.2f%%", eval.perClass[i] * 100)]
                           + (attacked ? [String(format: "%.2f%%", clean.perClass[i] * 100)] : [])
                   })
        if !mistakes.isEmpty {
            page.heading("First misclassified images")
            page.paragraph("In order: " + mistakes.map { "#\($0.index) \(dataset.classes[$0.truth]) → \(dataset.classes[$0.predicted])" }
                .joined(separator: "; "))
            page.imageGrid([(path: "misclassified.png", caption: "\(mistakes.count) misclassified images, 10 per row")],
                           pixelated: model.preset.inputSize < 64)
        }
        page.reproduce(OutputOptions.commandLine)
        try folder.write(page.render(), to: "index.html")
    }
}

extension Evaluate: KernelPolicyOptions {
    func adjust(_ policy: inout KernelPolicy) { if let threads { policy.threads = threads } }
}
