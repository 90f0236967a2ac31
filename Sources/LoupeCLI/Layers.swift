import ArgumentParser
import Foundation
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

    @Flag(help: "Print JSON: {\"model\": S, \"layers\": [{\"name\": S, \"shape\": [..]}]}.")
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
        let layers = try model.layers()
        let fields = try layers.map { try model.receptiveField(at: $0.name) }
        if json {
            try printJSON(["model": model.name, "layers": zip(layers, fields).map { layer, field in
                ["name": layer.name, "shape": layer.shape,
                 "receptive_field": field.map { ["size": $0.x.size, "jump": $0.x.jump] as Any } ?? NSNull()] as [String: Any]
            }])
        } else {
            let width = layers.map(\.name.count).max() ?? 0
            let shapes = layers.map { $0.shape.map(String.init).joined(separator: "×") }
            let shapeWidth = shapes.map(\.count).max() ?? 0
            print("layer".padding(toLength: width + 2, withPad: " ", startingAt: 0)
                  + "shape".padding(toLength: shapeWidth + 2, withPad: " ", startingAt: 0) + "receptive field")
            for ((name, _), (shape, field)) in zip(layers, zip(shapes, fields)) {
                print(name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                      + shape.padding(toLength: shapeWidth + 2, withPad: " ", startingAt: 0)
                      + (field.map { "\($0)" } ?? "whole image"))
            }
        }
    }
}
