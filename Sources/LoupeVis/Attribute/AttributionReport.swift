import Foundation
import LoupeData
import LoupeReport
import LoupeTensor

/// The run folder of `loupe attribute`: the input, each map over it and alone, the
/// sanity strips, result.json, card.json and index.html.
public enum AttributionReport {
    /// Writes the run and returns what `--json` prints.
    @discardableResult
    public static func write(_ attribution: Attribution, to folder: RunFolder, command: String) throws -> MapsLine {
        var result = attribution.result
        result.command = command
        let cmap = attribution.colormap.colormap
        let (index, className) = (result.target.index, result.target.name)
        let shown = try Render.writeInput(attribution.input, to: folder)
        var cells: [(path: String, caption: String)] = [("input.png", "input · target \(index) \(className)")]
        var overlays: [Image] = []
        for (i, map) in attribution.maps.enumerated() {
            let entry = result.attributions[i]
            let overlay = try Render.overlay(map, on: shown, colormap: cmap)
            try folder.write(Data(try overlay.pngData()), to: entry.image)
            if i < methodsOnCard { overlays.append(overlay) }
            try folder.write(Data(try Render.heatmap(map, colormap: cmap).pngData()), to: entry.mapImage)
            try folder.write(try NPY.encode(map.values, shape: entry.raw.shape), to: entry.raw.file)
            var caption = map.method + (map.layer.map { " @ \($0)" } ?? "")
            if let e = map.figures["completeness_error"] {
                caption += String(format: " · completeness error %.2f%%", e * 100) + (e > 0.01 ? " (above 1%: try more --steps)" : "")
            }
            if let r2 = map.figures["r2"] { caption += String(format: " · weighted R² %.3f", r2) }
            cells.append((entry.image, caption))
            cells.append((entry.mapImage, "\(map.method) map · peak (\(entry.peak.x),\(entry.peak.y))"))
            result.attributions[i].image = folder.finalPath(entry.image)
            result.attributions[i].mapImage = folder.finalPath(entry.mapImage)
            result.attributions[i].raw.file = folder.finalPath(entry.raw.file)
            result.maps[i].image = folder.finalPath(result.maps[i].image)
        }
        if let name = result.segmentation, let segments = attribution.maps.lazy.compactMap(\.segmentation).first {
            try folder.write(Data(try segments.outlined(on: shown).pngData()), to: name)
            cells.insert((name, "SLIC superpixels · \(segments.count) segments, compactness \(result.settings.compactness)"), at: 1)
            result.segmentation = folder.finalPath(name)
        }
        for (i, report) in attribution.sanity.enumerated() {
            let strip = try [Render.heatmap(report.original, colormap: cmap)] + (report.runs.first ?? []).map { try Render.heatmap($0.map, colormap: cmap) }
            let name = "sanity-\(report.method).png"
            try folder.write(Data(try ImageGrid.make(strip, columns: min(strip.count, 10), cell: 112).pngData()), to: name)
            result.sanity?[i].image = folder.finalPath(name)
        }
        try folder.writeResult(result)
        // The card's picture: the maps over the image side by side, small images (28 px) enlarged.
        let side = overlays.count == 1 ? max(shown.width, shown.height, 112) : 160
        try folder.write(Data(try ImageGrid.make(overlays, columns: max(overlays.count, 1), cell: side).pngData()), to: "overlays.png")
        try folder.writeCard(card(result, picture: "overlays.png", command: command))

        var page = HTMLPage(title: "Attribution · \(result.model) · \(className)")
        page.paragraph("Maps of which pixels drove the logit of class \(index) (\(className)). Magnitude maps use "
                       + "\(cmap.name); signed maps (gradient × input, IG, occlusion, LIME, KernelSHAP, RISE) are blue for negative, red for "
                       + "positive, white for zero.")
        page.imageGrid(cells)
        if result.faithfulness != nil { faithfulnessSection(result, on: &page) }
        if !attribution.sanity.isEmpty { sanitySection(attribution.sanity, on: &page) }
        page.reproduce(command)
        try folder.write(page.render(), to: "index.html")
        return MapsLine(run: folder.url.path, maps: result.maps, sanity: result.sanity)
    }

    static func sanitySection(_ reports: [SanityCheck.Report], on page: inout HTMLPage) {
        let runs = reports.first?.runs.count ?? 0
        page.heading("Sanity check: cascading model-parameter randomization (Adebayo et al. 2018)")
        page.paragraph("Layers are randomized from the top down, cumulatively; each parameter is redrawn from a "
                       + "Gaussian with its own mean and standard deviation, in \(runs) independent draw\(runs == 1 ? "" : "s"). "
                       + "ρ is Spearman's rank correlation of the absolute maps with the original (signed in brackets), "
                       + "averaged over the draws. A map that explains the model should decorrelate at every step; we call "
                       + "a mean |ρ| over the cascade below \(SanityCheck.Report.passThreshold) a pass (a constant map "
                       + "counts as ρ = 0), judged on the mean over draws: a single draw's score is noisy.")
        page.badges(reports.map { r in (name: r.method, passed: r.passed ?? false, detail: r.verdict) })
        page.svg(SVGPlot(title: "Rank correlation with the original map (mean over draws)",
                         xLabel: "layer groups randomized (from the top)", yLabel: "Spearman ρ of |map|",
                         series: reports.map { r in
                             SVGPlot.Series(name: r.method, points: [(0, 1)] + r.summaries.enumerated().map { i, s in (Double(i + 1), s.meanAbs) })
                         }, yRange: -0.2...1).render())
        for r in reports {
            page.heading(r.method, level: 3)
            page.imageGrid([("sanity-\(r.method).png", "original, then randomized down to each group (first draw)")])
            page.table(headers: ["randomized down to", "ρ |map|", "sd over draws", "ρ signed", "constant maps"], rows: r.summaries.map { s in
                [s.randomized, String(format: "%.3f", s.meanAbs), s.sdAbs.map { String(format: "%.3f", $0) } ?? "—",
                 s.meanSigned.map { String(format: "%.3f", $0) } ?? "—", "\(s.constantMaps) of \(r.runs.count)"]
            })
        }
    }
}
