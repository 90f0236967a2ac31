import ArgumentParser
import LoupeVis

struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Linear probes per layer: held-out accuracy against depth, with control tasks and a random network.",
        discussion: helpText("""
        Trains a linear probe (multinomial logistic regression, L2 penalty, standardized
        features, fit by L-BFGS) on each layer's activations over the train split (channel
        means of a conv map unless --features flatten) and reports its held-out accuracy on
        the test split, drawn against depth in accuracy.svg. Beside each probe: Hewitt &
        Liang's control task (a random label fixed per image, so selectivity = task − control
        accuracy) and the same probe on the architecture with random weights.

        Data: fashion-mnist, a folder of IDX files, or an image folder (with train/ and
        test/ subfolders, or split 4:1 by index).

        Examples:
          loupe probe --model fashion.safetensors --data fashion-mnist \\
              --layers all --json
          loupe probe --model fashion.safetensors --data fashion-mnist \\
              --layers 2,5,8 --train-limit 2000 --limit 1000
        """))

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "`all` or layer names separated by commas (see `loupe layers MODEL`).") var layers = "all"
    @Option(help: "fashion-mnist, a folder of IDX files, or an image folder.") var data = "fashion-mnist"
    @Option(help: "Per image: channel means of a conv map (mean), every activation (flatten), or mean for maps (auto).")
    var features = FeatureVectors.auto
    @Option(help: "Held-out (test) images.") var limit = 2000
    @Option(help: "Training images.") var trainLimit = 5000
    @Option(help: "L2 penalty λ of the probes, on standardized features.") var l2 = 1e-3
    @Option(help: "L-BFGS stops when the gradient's largest component falls below this.") var tolerance = 1e-4
    @Option(help: "L-BFGS iteration budget per probe.") var maxIterations = 500
    @Option(help: "Seed of the control labels and of the random network.") var seed: UInt64 = 0
    @Flag(inversion: .prefixedNo, help: "Train the control-task probes.") var control = true
    @Flag(inversion: .prefixedNo, help: "Probe the architecture with random weights too.") var randomNetwork = true
    @Option(help: "Images per forward pass (results do not depend on it).") var batchSize = 256

    @OptionGroup var output: OutputOptions

    var settings: ProbeSettings {
        var s = ProbeSettings()
        (s.layers, s.data, s.features, s.limit, s.trainLimit) = (layers, data, features, limit, trainLimit)
        (s.l2, s.tolerance, s.maxIterations, s.seed) = (l2, tolerance, maxIterations, seed)
        (s.control, s.randomNetwork, s.batchSize) = (control, randomNetwork, batchSize)
        return s
    }

    func validate() throws { try settings.validate() }

    func run() throws {
        let settings = settings
        let lab = try runLab(modelOptions, default: settings.defaultModel, output: output, progress: "activations") {
            try ProbeLab.run(model: $0, settings: settings, progress: $1)
        }
        let result = try withRunFolder("probe", output) { try ProbeReport.write(lab, to: $0, command: OutputOptions.commandLine) }
        if output.json { try printJSON(result) }
    }
}
