import ArgumentParser
import Foundation
import LoupeNN
import LoupeVis

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the top classes for one or more images.",
        discussion: helpText("""
        Images are center-cropped to a square and resized to the model's input size. With --out,
        a run folder (result.json, index.html with the images as the model saw them) is written too.

        Examples:
          loupe classify ~/.cache/loupe/photos/chelsea.png
          loupe classify a.jpg b.png --model efficientnet-lite0 --top 3 --json
          loupe classify shirt.png --spec my-cnn.yaml --weights my-cnn.safetensors
        """))

    @Argument(help: "PNG or JPEG files.")
    var images: [String]

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "How many classes to show per image.")
    var top = 5

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if images.isEmpty { throw ValidationError("give at least one image") }
        try ClassifySettings(top: top).validate()
    }

    func run() throws {
        let model = try modelOptions.load()
        let (result, inputs) = try Classification.run(images, model: model, settings: ClassifySettings(top: top))
        if output.json {
            try printJSON(["results": result.results])
        } else {
            for item in result.results {
                print(item.image)
                for p in item.top { print("  \(String(format: "%6.2f%%", p.probability * 100))  \(p.index)  \(p.name)") }
            }
        }
        // Classification prints its answer; a run folder only when one is asked for.
        if output.folder != nil {
            try withRunFolder("classify", output) { try ClassifyReport.write(result, inputs: inputs, to: $0, command: OutputOptions.commandLine) }
        }
    }
}
