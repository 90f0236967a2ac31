import ArgumentParser
import LoupeVis

struct DeconvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deconv",
        abstract: "DeconvNet: map one channel's activation on an image back to pixels.",
        discussion: helpText("""
        Forwards the image to LAYER, keeps one channel's strongest unit (or its whole map with
        --keep map) and zeros every other activation of the layer, then runs the backward pass
        to the pixels with a ReLU rule: deconvnet (Zeiler & Fergus: rectify the backward
        signal), guided (guided backprop) or gradient. Max-pooling unpools through the
        recorded switches; convolutions run transposed with the same filters. ReLU6 uses the
        same rules (gradient/guided pass where 0 < x < 6; deconvnet ignores the forward value).

        Examples:
          loupe deconv ~/.cache/loupe/photos/chelsea.png --layer blocks.10 \\
              --top-channels 4
          loupe deconv photo.png --model vgg16 --layer features.28 --channel 7 \\
              --rule deconvnet,guided,gradient
        """))

    @Argument(help: "PNG or JPEG image.") var image: String

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Layer to reconstruct from (see `loupe layers MODEL`).") var layer: String
    @Option(help: "Channel of the layer.") var channel: Int?

    @Option(help: "Reconstruct the K channels with the strongest activation, in turn (default 1).")
    var topChannels: Int?

    @Option(help: "Backward rule(s), comma-separated.") var rule = RuleList([.deconvnet])
    @Option(help: "What to keep of the channel: its strongest unit or its whole map.") var keep = DeconvKeep.unit

    @OptionGroup var output: OutputOptions

    var settings: DeconvSettings {
        var s = DeconvSettings()
        (s.layer, s.channel, s.topChannels, s.rules, s.keep) = (layer, channel, topChannels, rule.rules, keep)
        return s
    }

    func validate() throws { try settings.validate() }

    func run() throws {
        let lab = try runLab(modelOptions, output: output, progress: "deconv") {
            try DeconvLab.run(image: image, model: $0, settings: settings, progress: $1)
        }
        try withRunFolder("deconv", output) {
            try DeconvReport.write(lab, to: $0, command: OutputOptions.commandLine)
        } show: { line in
            if output.json { try printJSON(line) }
        }
    }
}
