import ArgumentParser
import Foundation
import LoupeAttack
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor

struct Attack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make an adversarial example of one image (FGSM, BIM, PGD, MI-FGSM, APGD, CW).",
        discussion: helpText("""
        Pixels are attacked in [0, 1]; the model normalizes inside. The input is first rounded to
        8 bits so that the saved original is exactly what was attacked, and the adversarial image
        is rounded to 8 bits (staying inside the L∞ ball) and checked again, since that is the
        image a user shares. Untargeted attacks push away from the model's own top-1 (or --label).
        APGD (Croce & Hein 2020) needs no step size: it starts at 2ε and halves it per image when
        the loss stops rising, restarting from the best point so far.

        Examples:
          loupe attack chelsea.png --method fgsm --eps 0.007
          loupe attack coffee.png --method pgd --eps 2/255 --steps 40 --target gibbon
          loupe attack rocket.jpg --method pgd --norm l2 --eps 0.5 --restarts 3
          loupe attack chelsea.png --method apgd --eps 2/255 --steps 100
          loupe attack chelsea.png --method cw --target 368 --steps 200
        """))

    @Argument(help: "PNG or JPEG file.")
    var image: String

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "fgsm, bim, pgd, mifgsm, apgd or cw.")
    var method = "pgd"

    @Option(help: "linf or l2 (cw is L2).")
    var norm: String?

    @Option(help: "Budget in pixel units, e.g. 2/255 or 0.007 (cw: 0 = unbounded L2).")
    var eps = "2/255"

    @Option(help: "Step size (default: ε for FGSM, ε/steps for MI-FGSM, 2.5·ε/steps otherwise; APGD adapts its own; a fraction like 1/255 works).")
    var alpha: String?

    @Option(help: "Iterations (default 10; 100 for apgd and cw).")
    var steps: Int?

    @Option(help: "Random restarts (PGD, APGD); the best result per sample is kept.")
    var restarts = 1

    @Option(help: "Targeted attack: class index or name (e.g. gibbon or 368).")
    var target: String?

    @Option(help: "True class for an untargeted attack (default: the model's top-1 on the image).")
    var label: String?

    @Option(help: "Loss: ce (cross-entropy), margin (Carlini–Wagner margin on logits) or dlr (Croce & Hein's scale-invariant difference of logits ratio).")
    var loss: String?

    @Flag(help: "Stop iterating as soon as the attack succeeds (default: run all steps, which raises confidence).")
    var earlyStop = false

    @Option(help: "Random seed (PGD and APGD random start).")
    var seed: UInt64 = 0

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard let kind = AttackConfig.Method(rawValue: method) else { throw ValidationError("--method must be one of fgsm, bim, pgd, mifgsm, apgd, cw") }
        if kind == .apgd && alpha != nil { throw ValidationError("--alpha does not apply to apgd, which adapts its own step size") }
        if let norm, AttackConfig.Norm(rawValue: norm) == nil { throw ValidationError("--norm must be linf or l2") }
        if let loss, try parseLoss(loss) != .margin && kind == .cw { throw ValidationError("cw always uses its margin loss: drop --loss") }
        if restarts < 1 { throw ValidationError("--restarts must be at least 1") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        _ = try parseBudget(eps, option: "--eps")
        if let alpha { _ = try parseBudget(alpha, option: "--alpha") }
    }

    func run() throws {
        let model = try modelOptions.load()
        let methodKind = AttackConfig.Method(rawValue: method) ?? .pgd
        let normKind = norm.flatMap(AttackConfig.Norm.init(rawValue:)) ?? (methodKind == .cw ? .l2 : .linf)
        let budget = try parseBudget(eps, option: "--eps")
        var config = AttackConfig(method: methodKind, norm: normKind, eps: budget,
                                  alpha: try alpha.map { try parseBudget($0, option: "--alpha") }, steps: steps)
        config.restarts = restarts
        config.seed = seed
        config.earlyStop = earlyStop
        if let loss { config.loss = try parseLoss(loss) }
        let attacker = try Attacker(model: model, config: config)

        let x0 = try Perturbation.quantized(try model.input(from: try Image.load(path: image)))
        let before = try model.topK(x0, k: 5)[0]
        let trueClass = try label.map { try model.preset.classIndex($0) } ?? before[0].index
        let targetClass = try target.map { try model.preset.classIndex($0) }
        note("\(image): \(before[0].name) \(String(format: "%.1f%%", before[0].probability * 100)); "
             + "\(method) \(normKind.rawValue) ε = \(eps)" + (targetClass.map { " → \(model.preset.labels[$0])" } ?? ""), quiet: output.quiet)

        let start = Date()
        let outcome = try attacker.run(x0, labels: [trueClass], targets: targetClass.map { [$0] }, sampleIDs: [0], recordTrajectory: true)
        let seconds = Date().timeIntervalSince(start)
        let adversarial = normKind == .linf
            ? try Perturbation.quantized(outcome.adversarial, within: budget, of: x0)
            : try Perturbation.quantized(outcome.adversarial)
        let after = try model.topK(adversarial, k: 5)[0]
        let success = targetClass.map { after[0].index == $0 } ?? (after[0].index != trueClass)
        let floatSuccess = outcome.success[0]
        let stats = try Perturbation.stats(adversarial, origin: x0)[0]
        let trajectory = outcome.trajectories.first ?? []
        let flipStep = trajectory.first { step in targetClass.map { step.predicted == $0 } ?? (step.predicted != trueClass) }?.step

        try withRunFolder("attack", output) { folder in
            let original = try Image.images(from: x0)[0], adv = try Image.images(from: adversarial)[0]
            try folder.write(Data(try original.pngData()), to: "original.png")
            try folder.write(Data(try adv.pngData()), to: "adversarial.png")
            try folder.write(Data(try amplified(adversarial, x0).pngData()), to: "perturbation.png")
            let probabilityPlot = trajectoryPlot(trajectory, model: model, trueClass: trueClass, target: targetClass, flipStep: flipStep)
            try folder.write(probabilityPlot.render(), to: "trajectory.svg")
            let lossPlot = SVGPlot(title: "Attack loss per step", xLabel: "step", yLabel: "loss",
                                   series: [SVGPlot.Series(name: config.loss.rawValue, points: trajectory.map { (Double($0.step), Double($0.loss)) })])

            let result: [String: Any] = [
                "run": folder.url.path, "image": image, "original": folder.finalPath("original.png"),
                "adversarial": folder.finalPath("adversarial.png"), "perturbation": folder.finalPath("perturbation.png"),
                "before": ["top": before.map(\.json)], "after": ["top": after.map(\.json)],
                "linf": Double(stats.linf), "l2": Double(stats.l2), "success": success,
            ]
            var full = result
            full["command"] = OutputOptions.commandLine
            full["model"] = model.name
            full["settings"] = ["method": method, "norm": normKind.rawValue, "eps": Double(budget), "alpha": Double(config.stepSize),
                                "steps": config.steps, "restarts": config.restarts, "loss": config.loss.rawValue,
                                "early_stop": earlyStop, "seed": seed] as [String: Any]
            full["true_class"] = trueClass
            full["target"] = targetClass.map { $0 as Any } ?? NSNull()
            full["success_before_quantization"] = floatSuccess
            full["flip_step"] = flipStep.map { $0 as Any } ?? NSNull()
            full["seconds"] = seconds
            full["trajectory"] = trajectory.map { s -> [String: Any] in
                ["step": s.step, "loss": Double(s.loss), "true_probability": Double(s.trueProbability),
                 "target_probability": s.targetProbability.map { Double($0) as Any } ?? NSNull(), "predicted": s.predicted]
            }
            try folder.writeJSON(full)

            let names = model.preset.labels
            func name(_ c: Int) -> String { c < names.count ? names[c] : "class \(c)" }
            func top(_ p: [Prediction]) -> [[String]] { p.map { ["\($0.index)", $0.name, String(format: "%.2f%%", $0.probability * 100)] } }
            var page = HTMLPage(title: "\(method.uppercased()) \(normKind == .l2 ? "L2" : "L∞") · \(model.name) · \((image as NSString).lastPathComponent)")
            let verdict = targetClass.map { "target \(name($0)): " + (success ? "reached" : "not reached") }
                ?? (success ? "top-1 changed" : "top-1 unchanged")
            page.badges([(name: "after 8-bit rounding", passed: success, detail: verdict
                          + String(format: " (before rounding: %@)", floatSuccess ? "succeeded" : "failed"))])
            let small = model.preset.inputSize < 64
            page.imageGrid([
                (path: "original.png", caption: "original: \(before[0].name) \(String(format: "%.1f%%", before[0].probability * 100))"),
                (path: "adversarial.png", caption: "adversarial: \(after[0].name) \(String(format: "%.1f%%", after[0].probability * 100))"),
                (path: "perturbation.png", caption: String(format: "perturbation ×%.0f (L∞ %.4f = %.1f/255, L2 %.3f)",
                                                           0.5 / max(Double(stats.linf), 1e-12), stats.linf, stats.linf * 255, stats.l2)),
            ], pixelated: small)
            page.heading("Top-5 before")
            page.table(headers: ["class", "name", "probability"], rows: top(before))
            page.heading("Top-5 after")
            page.table(headers: ["class", "name", "probability"], rows: top(after))
            page.heading("Trajectory")
            if let flipStep {
                page.paragraph("At step \(flipStep) the top-1 became \(name(trajectory[flipStep].predicted))"
                               + (targetClass == nil ? "" : " (the target)") + ".")
            }
            page.svg(probabilityPlot.render())
            page.svg(lossPlot.render())
            page.reproduce(OutputOptions.commandLine)
            try folder.write(page.render(), to: "index.html")
            if output.json { try printJSON(result) }
            else if !output.quiet {
                print("\(before[0].name) \(String(format: "%.1f%%", before[0].probability * 100)) → \(after[0].name) \(String(format: "%.1f%%", after[0].probability * 100))"
                      + String(format: "  (L∞ %.4f, L2 %.3f, %@)", stats.linf, stats.l2, success ? "success" : "failed"))
            }
        }
    }

    /// The perturbation scaled so its largest component spans half the gray range.
    func amplified(_ x: Tensor, _ x0: Tensor) throws -> Image {
        let a = x.scalars, b = x0.scalars
        let m = zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
        let scale: Float = m > 0 ? 0.5 / m : 0
        return try Image.images(from: try Tensor(shape: x.shape, scalars: zip(a, b).map { 0.5 + ($0 - $1) * scale }))[0]
    }

    func trajectoryPlot(_ t: [AttackStep], model: Model, trueClass: Int, target: Int?, flipStep: Int?) -> SVGPlot {
        let names = model.preset.labels
        func name(_ c: Int) -> String { c < names.count ? names[c] : "class \(c)" }
        var series = [SVGPlot.Series(name: "p(\(name(trueClass)))", points: t.map { (Double($0.step), Double($0.trueProbability)) })]
        if let target {
            series.append(SVGPlot.Series(name: "p(\(name(target)))", points: t.compactMap { s in s.targetProbability.map { (Double(s.step), Double($0)) } }))
        }
        var plot = SVGPlot(title: "Class probabilities per step", xLabel: "step", yLabel: "probability", series: series, yRange: 0...1)
        if let flipStep { plot.marker = (Double(flipStep), target.map { "→ \(name($0))" } ?? "top-1 changes") }
        return plot
    }
}

/// `--loss`: ce, margin or dlr.
func parseLoss(_ text: String) throws -> AttackConfig.Loss {
    guard let loss = AttackConfig.Loss(rawValue: text) else { throw ValidationError("--loss must be ce, margin or dlr") }
    return loss
}

/// A budget such as 0.03, 8/255 or 2/255.
func parseBudget(_ text: String, option: String) throws -> Float {
    let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
    let value: Float?
    switch parts.count {
    case 1: value = Float(parts[0])
    case 2: value = Float(parts[0]).flatMap { a in Float(parts[1]).flatMap { $0 != 0 ? a / $0 : nil } }
    default: value = nil
    }
    guard let value, value.isFinite, value >= 0 else {
        throw ValidationError("\(option) '\(text)': write a number ≥ 0 such as 0.03 or 8/255")
    }
    return value
}
