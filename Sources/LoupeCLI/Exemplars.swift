import ArgumentParser
import LoupeTensor
import LoupeVis

struct ExemplarsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exemplars",
        abstract: "A unit's top-k images from a data set, each beside its DeconvNet reconstruction.",
        discussion: helpText("""
        Scans the data for the images where CHANNEL of LAYER fires hardest (its strongest unit
        per image), keeps the top k and reconstructs each activation with DeconvNet, each image
        and reconstruction cropped to the unit's receptive field: Zeiler & Fergus's figure.

        Data: fashion-mnist (test split; fashion-mnist:train for the training split), photos
        (the sample photos fetched by `make assets`), or a folder of PNG/JPEG images.

        Examples:
          loupe exemplars --model fashion.safetensors --layer 3 --channel 5 \\
              --data fashion-mnist
          loupe exemplars --layer blocks.6 --channel 12 --data photos --k 4
        """))

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Layer of the unit (see `loupe layers MODEL`).") var layer: String
    @Option(help: "Channel of the unit.") var channel: Int
    @Option(help: "fashion-mnist[:train|:test], photos, or a folder of PNG/JPEG images.") var data: String
    @Option(help: "How many top images to keep.") var k = 9
    @Option(help: "Scan only the first N images.") var limit: Int?
    @Option(help: "Backward rule for the reconstructions.") var rule = ReLURule.deconvnet
    @Option(help: "Images per forward pass while scanning (the ranking does not depend on it).") var batchSize = 64

    @OptionGroup var output: OutputOptions

    var settings: ExemplarsSettings {
        var s = ExemplarsSettings()
        (s.layer, s.channel, s.data, s.k, s.limit, s.rule, s.batchSize) = (layer, channel, data, k, limit, rule, batchSize)
        return s
    }

    func validate() throws { try settings.validate() }

    func run() throws {
        let settings = settings
        let lab = try runLab(modelOptions, default: settings.defaultModel, output: output, progress: "scan") {
            try ExemplarsLab.run(model: $0, settings: settings, progress: $1)
        }
        try withRunFolder("exemplars", output) {
            try ExemplarsReport.write(lab, to: $0, command: OutputOptions.commandLine)
        } show: { line in
            if output.json { try printJSON(line) }
        }
    }
}
