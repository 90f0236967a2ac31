import ArgumentParser
import Foundation
import LoupeData
import LoupeNN
import LoupeReport
import LoupeTensor
import LoupeVis

struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Which pixels drove a class score: saliency, SmoothGrad, Integrated Gradients, Grad-CAM, occlusion.",
        discussion: helpText("""
        Methods: saliency (|gradient|), gradxinput (gradient × input), smoothgrad, ig (Integrated
        Gradients; its completeness error is reported), gradcam, gradcampp (Grad-CAM++),
        occlusion, guided (guided backprop of the class score), deconvnet; comma-separate several
        or say all. The score is the target's logit; the target defaults to the top-1 class.

        --sanity runs Adebayo et al.'s cascading randomization test: the model's layers are
        randomized from the top down and each map is compared with the original by Spearman rank
        correlation of absolute values. A method that passes changes its map; one that fails
        (guided backprop is known to) shows the image more than the model.

        Examples:
          loupe attribute ~/.cache/loupe/photos/chelsea.png --method gradcam \\
              --target tabby
          loupe attribute coffee.png --method saliency,ig,gradcam --sanity
          loupe attribute chelsea.png --method occlusion --patch 32 --stride 8 \\
              --fill gray
        """))

    @Argument(help: "PNG or JPEG image.")
    var image: String

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "saliency, gradxinput, smoothgrad, ig, gradcam, gradcampp, occlusion, guided, deconvnet; comma-separated or all.")
    var method: String

    @Option(help: "Class index or name (default: the model's top-1 class).")
    var target: String?

    @Option(help: "Grad-CAM layer (default: the last layer with a spatial map).")
    var layer: String?

    @Option(help: "SmoothGrad samples.") var samples = 50
    @Option(help: "SmoothGrad noise σ as a fraction of the image's value range.") var sigma: Float = 0.15
    @Option(help: "Integrated Gradients intervals (trapezoidal rule).") var steps = 64
    @Option(help: "IG baseline: black, gray, white, a value in [0,1], or blur[:SIGMA].") var baseline = "black"
    @Option(help: "Occlusion patch side in pixels.") var patch = 32
    @Option(help: "Occlusion stride in pixels.") var stride = 16
    @Option(help: "Occlusion fill: black, gray, white, a value, or blur[:SIGMA].") var fill = "gray"
    @Option(help: "Images per forward/backward pass.") var batchSize = 8
    @Option(help: "Colormap for magnitude maps: inferno or viridis.") var colormap = "inferno"

    @Flag(help: "Run the cascading model-parameter randomization test for each method.")
    var sanity = false

    @Option(help: "Randomize at most this many layer groups from the top (default: all).")
    var sanityLayers: Int?

    @Option(help: "Random seed (SmoothGrad noise, randomization).") var seed: UInt64 = 0

    @OptionGroup var output: OutputOptions

    func methods() throws -> [AttributionMethod] {
        if method.lowercased() == "all" { return AttributionMethod.allCases }
        return try method.split(separator: ",").map {
            let name = $0.trimmingCharacters(in: .whitespaces).lowercased()
            guard let m = AttributionMethod(rawValue: name) else {
                throw ValidationError("unknown method '\(name)': use \(AttributionMethod.allCases.map(\.rawValue).joined(separator: ", ")) or all")
            }
            return m
        }
    }

    func validate() throws {
        if try methods().isEmpty { throw ValidationError("--method needs at least one method") }
        if samples < 1 { throw ValidationError("--samples must be at least 1") }
        if !(sigma >= 0) { throw ValidationError("--sigma must not be negative") }
        if steps < 1 { throw ValidationError("--steps must be at least 1") }
        if patch < 1 { throw ValidationError("--patch must be at least 1") }
        if stride < 1 { throw ValidationError("--stride must be at least 1") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let sanityLayers, sanityLayers < 1 { throw ValidationError("--sanity-layers must be at least 1") }
        if Colormap.named(colormap) == nil || colormap == "rdbu" { throw ValidationError("--colormap must be inferno or viridis") }
        do {
            _ = try Baseline.parse(baseline)
            _ = try Baseline.parse(fill)
        } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        let chosen = try methods()
        let model = try modelOptions.loadAllowingRandomWeights(quiet: output.quiet)
        let input = try model.input(from: try Image.load(path: image))
        let targetIndex = try target.map { try model.preset.classIndex($0) } ?? model.topK(input, k: 1)[0][0].index
        var settings = AttributionSettings()
        settings.samples = samples
        settings.sigma = sigma
        settings.steps = steps
        settings.baseline = try Baseline.parse(baseline)
        settings.layer = try layer.map { try model.resolveLayer($0) }
        settings.patch = patch
        settings.stride = stride
        settings.fill = try Baseline.parse(fill)
        settings.batchSize = batchSize
        settings.seed = seed
        let attributor = Attributor(model: model, settings: settings)
        let cmap = Colormap.named(colormap) ?? .inferno
        let className = targetIndex < model.preset.labels.count ? model.preset.labels[targetIndex] : "class \(targetIndex)"

        var computed: [AttributionMap] = []
        var reports: [SanityCheck.Report] = []
        for m in chosen {
            note("\(m.rawValue) for \(targetIndex) (\(className))…", quiet: output.quiet)
            if sanity {
                let bar = ProgressBar("sanity \(m.rawValue)", total: SanityCheck.parameterGroups(model).count, quiet: output.quiet)
                let report = try SanityCheck.cascadingRandomization(
                    model: model, method: m.rawValue, maxSteps: sanityLayers, seed: seed,
                    progress: { done, _ in bar.update(done) }) {
                    try attributor.attribute(input, target: targetIndex, method: m)
                }
                reports.append(report)
                computed.append(report.original)
            } else {
                computed.append(try attributor.attribute(input, target: targetIndex, method: m))
            }
        }

        try withRunFolder("attribute", output) { folder in
            let shown = try Render.image(try input.reshaped(Array(input.shape.dropFirst())))
            try folder.write(Data(try shown.pngData()), to: "input.png")
            var maps: [[String: Any]] = [], entries: [[String: Any]] = []
            var cells: [(path: String, caption: String)] = [("input.png", "input · target \(targetIndex) \(className)")]
            for map in computed {
                try folder.write(Data(try Render.overlay(map, on: shown, colormap: cmap).pngData()), to: "\(map.method).png")
                try folder.write(Data(try Render.heatmap(map, colormap: cmap).pngData()), to: "\(map.method)-map.png")
                let peak = map.argmax
                var caption = map.method + (map.layer.map { " @ \($0)" } ?? "")
                if let e = map.figures["completeness_error"] { caption += String(format: " · completeness error %.2f%%", e * 100) }
                cells.append(("\(map.method).png", caption))
                cells.append(("\(map.method)-map.png", "\(map.method) map · peak (\(peak.x),\(peak.y))"))
                entries.append([
                    "method": map.method, "image": folder.finalPath("\(map.method).png"),
                    "map_image": folder.finalPath("\(map.method)-map.png"), "signed": map.signed,
                    "layer": map.layer ?? NSNull(), "peak": ["x": peak.x, "y": peak.y],
                    "figures": map.figures,
                ])
                maps.append(["method": map.method, "image": folder.finalPath("\(map.method).png"), "target": targetIndex,
                             "layer": map.layer ?? NSNull(), "channel": NSNull()])
            }

            var sanityJSON: [[String: Any]] = []
            for report in reports {
                let strip = try [Render.heatmap(report.original, colormap: cmap)]
                    + report.steps.map { try Render.heatmap($0.map, colormap: cmap) }
                try folder.write(Data(try ImageGrid.make(strip, columns: min(strip.count, 10), cell: 112).pngData()),
                                 to: "sanity-\(report.method).png")
                sanityJSON.append([
                    "method": report.method, "passed": report.passed.map { $0 as Any } ?? NSNull(),
                    "mean_abs_spearman": report.meanAbsRho.map { $0 as Any } ?? NSNull(),
                    "threshold": SanityCheck.Report.passThreshold, "verdict": report.verdict,
                    "metric": "spearman rank correlation of |map| (signed maps also as spearman_signed)",
                    "image": folder.finalPath("sanity-\(report.method).png"),
                    "steps": report.steps.map { s in
                        ["randomized": s.randomized, "spearman_abs": s.spearmanAbs.map { $0 as Any } ?? NSNull(),
                         "spearman_signed": s.spearmanSigned.map { $0 as Any } ?? NSNull()] as [String: Any]
                    },
                ])
            }

            try folder.writeJSON([
                "command": OutputOptions.commandLine, "model": model.name, "image": image,
                "target": ["index": targetIndex, "name": className],
                "settings": ["samples": samples, "sigma": Double(sigma), "steps": steps, "baseline": baseline,
                             "patch": patch, "stride": stride, "fill": fill, "seed": seed],
                "attributions": entries, "maps": maps, "sanity": sanity ? sanityJSON as Any : NSNull(),
            ])

            var page = HTMLPage(title: "Attribution · \(model.name) · \(className)")
            page.paragraph("Maps of which pixels drove the logit of class \(targetIndex) (\(className)). Magnitude maps use "
                           + "\(cmap.name); signed maps (gradient × input, IG, occlusion) are blue for negative, red for "
                           + "positive, white for zero.")
            page.imageGrid(cells)
            if !reports.isEmpty {
                page.heading("Sanity check: cascading model-parameter randomization (Adebayo et al. 2018)")
                page.paragraph("Layers are randomized from the top down, cumulatively; each parameter is redrawn from a "
                               + "Gaussian with its own mean and standard deviation. ρ is Spearman's rank correlation of "
                               + "the absolute maps with the original (signed in brackets). A map that explains the model "
                               + "should decorrelate at every step; we call a mean |ρ| over the cascade below "
                               + "\(SanityCheck.Report.passThreshold) a pass (a constant map counts as ρ = 0).")
                page.badges(reports.map { r in (name: r.method, passed: r.passed ?? false, detail: r.verdict) })
                page.svg(SVGPlot(title: "Rank correlation with the original map", xLabel: "layer groups randomized (from the top)",
                                 yLabel: "Spearman ρ of |map|",
                                 series: reports.map { r in
                                     SVGPlot.Series(name: r.method, points: [(0, 1)] + r.steps.enumerated().compactMap { i, s in
                                         s.spearmanAbs.map { (Double(i + 1), $0) }
                                     })
                                 }, yRange: -0.2...1).render())
                for r in reports {
                    page.heading(r.method, level: 3)
                    page.imageGrid([("sanity-\(r.method).png", "original, then randomized down to each group")])
                    page.table(headers: ["randomized down to", "ρ |map|", "ρ signed"], rows: r.steps.map { s in
                        [s.randomized, s.spearmanAbs.map { String(format: "%.3f", $0) } ?? "constant map",
                         s.spearmanSigned.map { String(format: "%.3f", $0) } ?? "—"]
                    })
                }
            }
            page.reproduce(OutputOptions.commandLine)
            try folder.write(page.render(), to: "index.html")
            if output.json {
                try printJSON(["run": folder.url.path, "maps": maps, "sanity": sanity ? sanityJSON as Any : NSNull()])
            }
        }
    }
}
