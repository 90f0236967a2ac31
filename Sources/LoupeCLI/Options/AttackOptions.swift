import ArgumentParser
import LoupeAttack

// Choices are enums, so `--help` lists them and the parser refuses a bad value with the
// valid list before any work starts.
extension AttackConfig.Method: ExpressibleByArgument {}
extension AttackConfig.Norm: ExpressibleByArgument {}
extension AttackConfig.Loss: ExpressibleByArgument {}

/// The knobs every gradient attack shares, for the commands that attack (attack,
/// robustness, evaluate). Each command names its own method(s) and budget(s), and
/// resolves what is left nil from the method's defaults.
struct AttackOptions: ParsableArguments {
    @Option(help: "Threat model (default linf; cw is L2).")
    var norm: AttackConfig.Norm?

    @OptionGroup var stepping: StepOptions

    @Option(help: "Random restarts (PGD, APGD); the best result per sample is kept.")
    var restarts = 1

    @Option(help: "Loss the attack climbs: ce (cross-entropy), margin (Carlini–Wagner margin on logits) or dlr (Croce & Hein's scale-invariant difference of logits ratio; AutoAttack's APGD-DLR with apgd).")
    var loss: AttackConfig.Loss?

    @Option(help: "Random seed of the attack's random starts.")
    var seed: UInt64 = 0

    @Option(help: "Model queries per sample for the score-based square attack (also inside autoattack; default 5000).")
    var queries: Int?

    @Option(help: "How many of the likeliest wrong classes apgd-t and fab-t aim at, one restart each (default 9).")
    var targetClasses: Int?

    var alpha: Budget? { stepping.alpha }
    var steps: Int? { stepping.steps }

    func validate() throws {
        if restarts < 1 { throw ValidationError("--restarts must be at least 1") }
        if let queries, queries < 1 { throw ValidationError("--queries must be at least 1") }
        if let targetClasses, targetClasses < 1 { throw ValidationError("--target-classes must be at least 1") }
    }

    /// Rules that need the method: apgd sets its own step size, cw keeps its margin loss.
    func check(for method: AttackConfig.Method) throws {
        if method == .apgd && alpha != nil {
            throw ValidationError("--alpha does not apply to apgd, which adapts its own step size")
        }
        if method == .cw, let loss, loss != .margin { throw ValidationError("cw always uses its margin loss: drop --loss") }
    }
}
