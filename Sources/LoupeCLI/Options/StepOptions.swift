import ArgumentParser

/// How an iterative attack walks: its step size and number of steps. Shared by the
/// commands that attack and by adversarial training, each with its own defaults.
struct StepOptions: ParsableArguments {
    @Option(help: "Step size in pixel units, 0.01 or 1/255 (default: the method's own; apgd adapts its own).")
    var alpha: Budget?

    @Option(help: "Iterations of the iterative attacks (default: the command's, see above).")
    var steps: Int?

    func validate() throws {
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        if let alpha, alpha.value <= 0 { throw ValidationError("--alpha must be positive") }
    }
}
