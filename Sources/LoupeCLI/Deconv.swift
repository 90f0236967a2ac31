import ArgumentParser
import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor
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

    @Argument(help: "PNG or JPEG image.")
    var image: String

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Layer to reconstruct from (see `loupe layers MODEL`).")
    var layer: String

    @Option(help: "Channel of the layer.")
    var channel: Int?

    @Option(help: "Reconstruct the K channels with the strongest activation, in turn (default 1).")
    var topChannels: Int?

    @Option(help: "Backward rule(s): deconvnet, guided, gradient, comma-separated.")
    var rule = "deconvnet"

    @Option(help: "What to keep of the channel: unit (its strongest unit) or map (the whole map).")
    var keep = "unit"

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if channel != nil && topChannels != nil { throw ValidationError("give --channel or --top-channels, not both") }
        if let channel, channel < 0 { throw ValidationError("--channel must not be negative") }
        if let topChannels, topChannels < 1 { throw ValidationError("--top-channels must be at least 1") }
        _ = try parseRules(rule)
        if DeconvKeep(rawValue: keep) == nil { throw ValidationError("--keep must be unit or map") }
    }

    func run() throws {
        let rules = try parseRules(rule)
        let keepMode = DeconvKeep(rawValue: keep) ?? .unit
        let model = try modelOptions.loadAllowingRandomWeights(quiet: output.quiet)
        let input = try model.input(from: try Image.load(path: image))
        let deconv = Deconv(model: model)
        let pass = try deconv.forward(input, layer: layer)
        if let channel, channel >= pass.channels {
            throw ValidationError("--channel \(channel) is outside 0..<\(pass.channels) of layer \(pass.layer)")
        }
        let channels = try channel.map { [$0] } ?? pass.strongestChannels(k: topChannels ?? 1)
        let bar = ProgressBar("deconv", total: channels.count * rules.count, quiet: output.quiet)
        var results: [(rule: ReLURule, r: Reconstruction)] = []
        for c in channels {
            for r in rules {
                results += try pass.reconstruct([(0, c)], keep: keepMode, rule: r).map { (r, $0) }
                bar.update(results.count)
            }
        }

        let field = try model.receptiveField(at: pass.layer, height: input.shape[2], width: input.shape[3])
        try withRunFolder("deconv", output) { folder in
            let shown = try Render.image(try input.reshaped(Array(input.shape.dropFirst())))
            try folder.write(Data(try shown.pngData()), to: "input.png")
            var maps: [[String: Any]] = [], entries: [[String: Any]] = []
            var cells: [(path: String, caption: String)] = [("input.png", "input")]
            for (r, rec) in results {
                let stem = "\(r.rawValue)-c\(rec.channel)"
                try folder.write(Data(try Render.reconstruction(rec.pixels).pngData()), to: stem + ".png")
                var entry: [String: Any] = [
                    "rule": r.rawValue, "channel": rec.channel, "activation": Double(rec.activation),
                    "image": folder.finalPath(stem + ".png"),
                    "unit": rec.unit.map { ["x": $0.x, "y": $0.y] as Any } ?? NSNull(),
                ]
                var caption = "\(r.rawValue) · ch \(rec.channel) · a=\(String(format: "%.3g", rec.activation))"
                if let unit = rec.unit { caption += " @(\(unit.x),\(unit.y))" }
                cells.append((stem + ".png", caption))
                if keepMode == .unit {
                    let box = ExemplarSearch.crop(rec, field: field, width: input.shape[3], height: input.shape[2])
                    let pair = try ImageGrid.make([try Render.crop(shown, box), try Render.crop(try Render.reconstruction(rec.pixels), box)],
                                                  columns: 2, cell: max(box.side, 96))
                    try folder.write(Data(try pair.pngData()), to: stem + "-crop.png")
                    entry["crop"] = ["x": box.x, "y": box.y, "side": box.side, "image": folder.finalPath(stem + "-crop.png")]
                    cells.append((stem + "-crop.png", (field == nil ? "footprint" : "receptive field")
                                  + " \(box.side)px: image | reconstruction"))
                }
                entries.append(entry)
                maps.append(["method": r.rawValue, "image": folder.finalPath(stem + ".png"), "target": NSNull(),
                             "layer": pass.layer, "channel": rec.channel])
            }
            try folder.writeJSON([
                "command": OutputOptions.commandLine, "model": model.name, "image": image, "layer": pass.layer,
                "keep": keepMode.rawValue, "rules": rules.map(\.rawValue), "reconstructions": entries,
                "maps": maps, "sanity": NSNull(),
            ])
            var page = HTMLPage(title: "DeconvNet · \(model.name) · \(pass.layer)")
            page.paragraph("Each reconstruction keeps one channel's " + (keepMode == .unit ? "strongest unit" : "whole map")
                           + " at \(pass.layer), zeros the rest of the layer and runs the backward pass to the pixels. "
                           + "Gray is zero; the brightest and darkest pixels are the largest magnitudes of each picture. "
                           + "Rules: deconvnet rectifies the backward signal only; guided also masks where the forward "
                           + "activation was off; gradient is the true gradient.")
            page.imageGrid(cells)
            page.reproduce(OutputOptions.commandLine)
            try folder.write(page.render(), to: "index.html")
            if output.json { try printJSON(["run": folder.url.path, "maps": maps, "sanity": NSNull()]) }
        }
    }
}

/// "deconvnet,guided" as ReLU rules.
func parseRules(_ text: String) throws -> [ReLURule] {
    let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
    let rules = try names.map { name -> ReLURule in
        guard let r = ReLURule(rawValue: name) else {
            throw ValidationError("unknown rule '\(name)': use deconvnet, guided or gradient")
        }
        return r
    }
    guard !rules.isEmpty else { throw ValidationError("--rule needs at least one of deconvnet, guided, gradient") }
    return rules
}
