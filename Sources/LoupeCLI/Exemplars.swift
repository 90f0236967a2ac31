import ArgumentParser
import Foundation
import LoupeData
import LoupeNN
import LoupeReport
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

    @Option(help: "Layer of the unit (see `loupe layers MODEL`).")
    var layer: String

    @Option(help: "Channel of the unit.")
    var channel: Int

    @Option(help: "fashion-mnist[:train|test], photos, or an image folder.")
    var data: String

    @Option(help: "How many top images to keep.")
    var k = 9

    @Option(help: "Scan only the first N images.")
    var limit: Int?

    @Option(help: "Backward rule for the reconstructions: deconvnet, guided or gradient.")
    var rule = "deconvnet"

    @Option(help: "Images per forward pass while scanning.")
    var batchSize = 64

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if channel < 0 { throw ValidationError("--channel must not be negative") }
        if k < 1 { throw ValidationError("--k must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if ReLURule(rawValue: rule) == nil { throw ValidationError("--rule must be deconvnet, guided or gradient") }
    }

    func run() throws {
        let model = try modelOptions.loadAllowingRandomWeights(
            default: data.lowercased().hasPrefix("fashion") ? "fashion-cnn" : "efficientnet-lite0", quiet: output.quiet)
        let source = try exemplarSource(data, model: model)
        let bar = ProgressBar("scan", total: min(source.count, limit ?? source.count), quiet: output.quiet)
        let found = try ExemplarSearch(model: model).run(
            layer: layer, channel: channel, source: source, k: k, limit: limit,
            rule: ReLURule(rawValue: rule) ?? .deconvnet, batchSize: batchSize) { done, _ in bar.update(done) }
        let layerName = try model.resolveLayer(layer)

        try withRunFolder("exemplars", output) { folder in
            var maps: [[String: Any]] = [], entries: [[String: Any]] = []
            var patches: [Image] = [], recons: [Image] = [], cells: [(path: String, caption: String)] = []
            let cell = max(96, min(model.preset.inputSize, 160))
            for (rank, e) in found.enumerated() {
                let picture = try Render.image(e.image), recon = try Render.reconstruction(e.reconstruction)
                let stem = String(format: "top-%02d", rank + 1)
                try folder.write(Data(try picture.pngData()), to: stem + "-image.png")
                try folder.write(Data(try recon.pngData()), to: stem + "-\(rule).png")
                let (patch, reconPatch) = (try Render.crop(picture, e.crop), try Render.crop(recon, e.crop))
                patches.append(patch)
                recons.append(reconPatch)
                let pair = try ImageGrid.make([patch, reconPatch], columns: 2, cell: cell)
                try folder.write(Data(try pair.pngData()), to: stem + ".png")
                cells.append((stem + ".png", "#\(rank + 1) \(e.caption) · a=\(String(format: "%.3g", e.activation))"))
                entries.append([
                    "rank": rank + 1, "index": e.index, "caption": e.caption, "activation": Double(e.activation),
                    "unit": e.unit.map { ["x": $0.x, "y": $0.y] as Any } ?? NSNull(),
                    "crop": ["x": e.crop.x, "y": e.crop.y, "side": e.crop.side],
                    "receptive_field": e.receptiveField.map { ["size": $0.x.size, "jump": $0.x.jump] as Any } ?? NSNull(),
                    "image": folder.finalPath(stem + "-image.png"), "reconstruction": folder.finalPath(stem + "-\(rule).png"),
                    "pair": folder.finalPath(stem + ".png"),
                ])
                maps.append(["method": rule, "image": folder.finalPath(stem + "-\(rule).png"), "target": NSNull(),
                             "layer": layerName, "channel": channel])
            }
            let columns = Int(Double(found.count).squareRoot().rounded(.up))
            try folder.write(Data(try ImageGrid.make(recons, columns: columns, cell: cell).pngData()), to: "reconstructions.png")
            try folder.write(Data(try ImageGrid.make(patches, columns: columns, cell: cell).pngData()), to: "patches.png")
            try folder.writeJSON([
                "command": OutputOptions.commandLine, "model": model.name, "layer": layerName, "channel": channel,
                "data": source.name, "scanned": min(source.count, limit ?? source.count), "k": k, "rule": rule,
                "exemplars": entries, "maps": maps, "sanity": NSNull(),
            ])
            var page = HTMLPage(title: "Top-\(k) exemplars · \(model.name) · \(layerName) channel \(channel)")
            page.paragraph("The \(found.count) images of \(source.name) where the channel's strongest unit fires hardest. "
                           + "Left: the reconstructions (\(rule)), right: the image patches, both cropped to "
                           + (found.first?.receptiveField.map { "the unit's receptive field, \($0), centered on the unit "
                               + "and clamped into the image." }
                              ?? "where the reconstruction reaches (the layer has no spatial map)."))
            page.imageGrid([("reconstructions.png", "reconstructions"), ("patches.png", "image patches")],
                           pixelated: model.preset.inputSize < 64)
            page.heading("Each exemplar: patch | reconstruction")
            page.imageGrid(cells, pixelated: model.preset.inputSize < 64)
            page.reproduce(OutputOptions.commandLine)
            try folder.write(page.render(), to: "index.html")
            if output.json { try printJSON(["run": folder.url.path, "maps": maps, "sanity": NSNull()]) }
        }
    }
}

/// The data a command names: fashion-mnist[:split], photos, or a folder of images.
func exemplarSource(_ spec: String, model: Model) throws -> ExemplarSource {
    let lower = spec.lowercased()
    if lower == "fashion-mnist" || lower.hasPrefix("fashion-mnist:") {
        let split = lower.hasPrefix("fashion-mnist:") ? String(lower.dropFirst("fashion-mnist:".count)) : "test"
        guard ["train", "test"].contains(split) else { throw ValidationError("--data fashion-mnist:SPLIT takes train or test") }
        guard model.preset.channels == 1, model.preset.inputSize == 28 else {
            throw ValidationError("fashion-mnist images are 28×28 gray; \(model.name) expects \(model.preset.channels)×\(model.preset.inputSize)²")
        }
        return try ExemplarSource.fashionMNIST(split: split)
    }
    if lower == "photos" {
        let files = Assets.photoFiles()
        guard !files.isEmpty else { throw ValidationError("no sample photos found: run `make assets`") }
        return ExemplarSource.files(files, model: model, name: "photos")
    }
    return try ExemplarSource.folder(spec, model: model)
}
