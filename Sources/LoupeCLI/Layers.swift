import ArgumentParser
import LoupeNN

struct Layers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every layer you can tap, with its output shape.",
        discussion: """
        Shapes are for one image at the model's input size. Use these names with
        --objective, --layer and friends.

        Examples:
          loupe layers efficientnet-lite0
          loupe layers vgg16
          loupe layers --spec my-cnn.yaml --weights my-cnn.safetensors
        """)

    @Argument(help: "A model name (or use --model/--arch/--spec below).")
    var name: String?

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Print JSON: {\"model\": S, \"layers\": [{\"name\": S, \"shape\": [..]}]}.")
    var json = false

    func run() throws {
        let model: Model
        if let name, Zoo.architectures[name.lowercased()] != nil {
            model = try Zoo.architecture(name)  // shapes only: fresh weights are enough
        } else if let name {
            model = try Zoo.load(name)
        } else {
            model = try modelOptions.load()
        }
        let layers = try model.layers()
        if json {
            try printJSON(["model": model.name, "layers": layers.map { ["name": $0.name, "shape": $0.shape] as [String: Any] }])
        } else {
            let width = layers.map(\.name.count).max() ?? 0
            for (name, shape) in layers {
                print(name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + shape.map(String.init).joined(separator: "×"))
            }
        }
    }
}
