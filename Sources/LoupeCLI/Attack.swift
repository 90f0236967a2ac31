import ArgumentParser
import Foundation
import LoupeAttack

struct Attack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make an adversarial example of one image.",
        discussion: helpText("""
        Pixels are attacked in [0, 1]; the model normalizes inside. The input is first rounded to
        8 bits so that the saved original is exactly what was attacked, and the adversarial image
        is rounded to 8 bits (staying inside the L∞ ball) and checked again, since that is the
        image a user shares. Untargeted attacks push away from the model's own top-1 (or --label).
        APGD (Croce & Hein 2020) needs no step size: it starts at 2ε and halves it per image when
        the loss stops rising, restarting from the best point so far. Steps default to 10 (100 for
        apgd and cw); the step size to ε for FGSM, ε/steps for MI-FGSM and 2.5·ε/steps otherwise.

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

    @Option(help: "The attack.")
    var method = AttackConfig.Method.pgd

    @Option(help: "Budget in pixel units, e.g. 2/255 or 0.007 (cw: 0 = unbounded L2).")
    var eps = Budget(argument: "2/255") ?? Budget(2 / 255)

    @OptionGroup var attack: AttackOptions

    @Option(help: "Targeted attack: class index or name (e.g. gibbon or 368).")
    var target: String?

    @Option(help: "True class for an untargeted attack (default: the model's top-1 on the image).")
    var label: String?

    @Flag(help: "Stop iterating as soon as the attack succeeds (default: run all steps, which raises confidence).")
    var earlyStop = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        try attack.check(for: method)
        try settings.validate()
    }

    var settings: AttackSettings {
        var s = AttackSettings()
        (s.method, s.norm, s.eps, s.alpha, s.steps, s.restarts) = (method, attack.norm, eps.value, attack.alpha?.value, attack.steps, attack.restarts)
        (s.loss, s.earlyStop, s.seed, s.target, s.label) = (attack.loss, earlyStop, attack.seed, target, label)
        (s.queries, s.targetClasses) = (attack.queries, attack.targetClasses)
        return s
    }

    func run() throws {
        let model = try modelOptions.load()
        try withRunFolder("attack", output) { folder in
            let (example, original, adversarial) = try AdversarialExample.make(image, model: model, settings: settings) {
                note($0, quiet: output.quiet)
            }
            return try AttackReport.write(example, original: original, adversarial: adversarial, labels: model.preset.labels,
                                          to: folder, command: OutputOptions.commandLine)
        } show: { result in
            if let warning = result.example.roundingWarning { note("warning: " + warning) }
            if output.json { try printJSON(result.brief) } else if !output.quiet {
                print(result.example.headline)
                print(result.example.roundingLine + (result.example.queries.map { ", \($0) model queries" } ?? ""))
            }
        }
    }
}
