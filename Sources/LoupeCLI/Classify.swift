import ArgumentParser
import LoupeData
import LoupeNN
import LoupeTensor

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the top classes for one or more images.",
        discussion: """
        Images are center-cropped to a square and resized to the model's input size.

        Examples:
          loupe classify ~/.cache/loupe/photos/chelsea.png
          loupe classify a.jpg b.png --model efficientnet-lite0 --top 3 --json
          loupe classify shirt.png --spec my-cnn.yaml --weights my-cnn.safetensors
        """)

    @Argument(help: "PNG or JPEG files.")
    var images: [String]

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "How many classes to show per image.")
    var top = 5

    @Flag(help: "Print {\"results\": [{\"image\": PATH, \"top\": [{\"index\", \"name\", \"logit\", \"probability\"}]}]}.")
    var json = false

    func validate() throws {
        if images.isEmpty { throw ValidationError("give at least one image") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        let model = try modelOptions.load()
        var results: [[String: Any]] = []
        for path in images {
            let input = try model.input(from: try Image.load(path: path))
            let top = try model.topK(input, k: self.top)[0]
            if json {
                results.append(["image": path, "top": top.map(\.json)])
            } else {
                print(path)
                for p in top {
                    print("  \(String(format: "%6.2f%%", p.probability * 100))  \(p.index)  \(p.name)")
                }
            }
        }
        if json { try printJSON(["results": results]) }
    }
}
