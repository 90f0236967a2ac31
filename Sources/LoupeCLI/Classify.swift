import ArgumentParser
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor
import Foundation

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the top classes for one or more images.",
        discussion: helpText("""
        Images are center-cropped to a square and resized to the model's input size.

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

    @Flag(help: "Print {\"results\": [{\"image\": PATH, \"top\": [{\"index\", \"name\", \"logit\", \"probability\"}]}]}.")
    var json = false

    @Option(help: "Also write a run folder (result.json, index.html with the images) here.")
    var out: String?

    func validate() throws {
        if images.isEmpty { throw ValidationError("give at least one image") }
        if top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func run() throws {
        let model = try modelOptions.load()
        // Each image is decoded and classified once; the printout, --json and the report share it.
        let classified = try images.map { path -> (path: String, input: Tensor, top: [Prediction]) in
            let input = try model.input(from: try Image.load(path: path))
            return (path, input, try model.topK(input, k: top)[0])
        }
        let results: [[String: Any]] = classified.map { ["image": $0.path, "top": $0.top.map(\.json)] }
        if json {
            try printJSON(["results": results])
        } else {
            for (path, _, top) in classified {
                print(path)
                for p in top {
                    print("  \(String(format: "%6.2f%%", p.probability * 100))  \(p.index)  \(p.name)")
                }
            }
        }
        if let out { try writeReport(model: model, classified: classified, results: results, to: out) }
    }

    func writeReport(
        model: Model, classified: [(path: String, input: Tensor, top: [Prediction])], results: [[String: Any]],
        to out: String
    ) throws {
        let folder = try RunFolder(command: "classify", out: out)
        do {
            var page = HTMLPage(title: "Classification · \(model.name)")
            var cells: [(path: String, caption: String)] = []
            for (i, item) in classified.enumerated() {
                let name = String(format: "image-%02d.png", i)
                try folder.write(Data(try Image(tensor: item.input).pngData()), to: name)
                cells.append((name, item.top.first.map { String(format: "%@ (%.1f%%)", $0.name, $0.probability * 100) } ?? ""))
            }
            page.imageGrid(cells)
            let rows = classified.map { item in
                [URL(fileURLWithPath: item.path).lastPathComponent]
                    + item.top.map { String(format: "%@ %.1f%%", $0.name, $0.probability * 100) }
            }
            page.table(headers: ["image"] + (1...top).map { "top \($0)" }, rows: rows)
            page.reproduce(RunOptions.commandLine)
            try folder.write(page.render(), to: "index.html")
            try folder.writeJSON(["model": model.name, "results": results])
            try folder.finish()
        } catch {
            folder.discard()
            throw error
        }
    }
}
