import ArgumentParser
import LoupeNN

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every layer you can tap, with its output shape and receptive field.",
        discussion: helpText("""
        Shapes are for one image at the model's input size. Use these names with
        --objective, --layer and friends. The receptive field is how many input pixels one
        unit of the layer sees, and how far apart neighbouring units look.

        Examples:
          loupe layers efficientnet-lite0
          loupe layers vgg16
          loupe layers --spec my-cnn.yaml --weights my-cnn.safetensors
        """))

    @Argument(help: "A model name (or use --model/--arch/--spec below).")
    var name: String?

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print JSON: {\"model\": S, \"layers\": [{\"name\": S, \"shape\": [..], \"receptive_field\": {\"size\": N, \"jump\": N} or null}]}.")
    var json = false

    func run() throws {
        let model: Model
        if let name, Zoo.architectures[name.lowercased()] != nil {
            model = try Zoo.architecture(name)  // shapes only: fresh weights are enough
        } else if let name {
            model = try Zoo.load(name)
        } else {
            model = try modelOptions.loadAllowingRandomWeights(quiet: true)  // shapes only
        }
        let result = try LayersResult(model: model)
        if json { try printJSON(result) } else { print(result.table(), terminator: "") }
    }
}
