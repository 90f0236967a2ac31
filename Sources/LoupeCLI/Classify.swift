import ArgumentParser
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor
import Foundation

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

    @Option(help: "Also write a run folder (result.json, index.html with the images) here.")
    var out: String?

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
        if let out { try writeReport(model: model, results: results, to: out) }
    }

    func writeReport(model: Model, results: [[String: Any]], to out: String) throws {
        let folder = try RunFolder(command: "classify", out: out)
        do {
            var page = HTMLPage(title: "Classification · \(model.name)")
            var cells: [(path: String, caption: String)] = []
            for (i, path) in images.enumerated() {
                let name = String(format: "image-%02d.png", i)
                let input = try model.input(from: try Image.load(path: path))
                try folder.write(Data(try Image(tensor: input).pngData()), to: name)
                let top = try model.topK(input, k: self.top)[0]
                cells.append((name, top.first.map { String(format: "%@ (%.1f%%)", $0.name, $0.probability * 100) } ?? ""))
            }
            page.imageGrid(cells)
            let rows = try images.map { path -> [String] in
                let top = try model.topK(try model.input(from: try Image.load(path: path)), k: self.top)[0]
                return [URL(fileURLWithPath: path).lastPathComponent] + top.map { String(format: "%@ %.1f%%", $0.name, $0.probability * 100) }
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
