import LoupeNN

/// The model a lab command names (a zoo architecture without pretrained weights is built
/// with seeded random weights, with a note) handed to `body` with a progress reporter that
/// draws one bar titled `progress` for the lab's pass over its data. Every lab command
/// that scans images starts this way.
func runLab<Lab>(_ modelOptions: ModelOptions, default fallback: String = "efficientnet-lite0", output: OutputOptions,
                 progress title: String, _ body: (Model, (_ done: Int, _ total: Int) -> Void) throws -> Lab) throws -> Lab {
    let model = try modelOptions.loadAllowingRandomWeights(default: fallback, quiet: output.quiet)
    var bar: ProgressBar?
    return try body(model) { done, total in
        bar = bar ?? ProgressBar(title, total: total, quiet: output.quiet)
        bar?.update(done)
    }
}
