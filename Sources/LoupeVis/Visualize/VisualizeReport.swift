import Foundation
import LoupeData
import LoupeReport
import LoupeTensor

/// The run folder of `loupe visualize`: one PNG per unit (RGBA with alpha), the contact
/// sheet, snapshots, the objective curves, result.json, card.json and index.html.
public enum VisualizeReport {
    /// Writes the run and returns what `--json` prints.
    @discardableResult
    public static func write(_ run: FeatureVisualization, to folder: RunFolder, command: String) throws -> VisualizeResult.Line {
        var result = run.result
        result.command = command
        let (settings, visualization, channels) = (run.settings, run.visualization, run.channels)
        let alpha = settings.alpha
        // What the sheet shows: transparent images over Lucid's checkerboard, so the grid stays opaque.
        func shown(_ t: Tensor) throws -> [Image] {
            try Image.images(from: alpha ? try Transparency.onCheckerboard(t, channels: channels) : t)
        }
        let images = try Image.images(from: alpha ? try Transparency.rgba(visualization.images, channels: channels) : visualization.images)
        var cells: [(path: String, caption: String)] = []
        for (i, image) in images.enumerated() {
            let unit = result.units[i].unit
            let factor = max(1, 128 / max(image.width, image.height))
            let enlarged = alpha ? try image.scaledNearest(by: factor) : try ImageGrid.enlarged(image, toAtLeast: 128)
            try folder.write(Data(try enlarged.pngData()), to: unit.image)
            cells.append((unit.image, run.labels[i] + ratioCaption(run.comparisons?[i])
                          + (unit.classProbability.map { String(format: " · p %.2f", $0) } ?? "")))
            result.units[i].unit.image = folder.finalPath(unit.image)
        }
        let sheet = try ImageGrid.make(try shown(visualization.images), columns: min(8, images.count), cell: max(settings.size, 112))
        try folder.write(Data(try sheet.pngData()), to: "contact-sheet.png")
        let snapshots = visualization.snapshots.filter { $0.step != settings.steps }
        for (step, snap) in snapshots {
            let sheet = try ImageGrid.make(try shown(snap), columns: min(8, images.count), cell: max(settings.size, 112))
            try folder.write(Data(try sheet.pngData()), to: "snapshot-\(step).png")
        }
        if let prior = run.prior { result.prior = try writePrior(prior, to: folder) }
        try folder.writeResult(result)
        var summary = card(result, labels: run.labels, command: command)
        if let prior = result.prior {
            (summary.picture, summary.figures) = (priorSheet, priorFigures(prior, labels: run.labels))
        }
        try folder.writeCard(summary)

        var page = HTMLPage(title: "Feature visualization · \(result.model) · \(settings.objectives.joined(separator: ", "))")
        page.paragraph("Each image was optimized to maximize its objective. The activation ratio compares the "
                       + "unit's activation on the picture with its strongest response to real reference images "
                       + "(when that maximum is not positive there is no ratio: both numbers are shown instead); "
                       + "class probability is the model's mean confidence under 8 random transforms."
                       + (alpha ? " The images are transparent (RGBA); both numbers are measured on them over uniform "
                                  + "gray 0.5, and the contact sheet shows them over a checkerboard." : ""))
        page.imageGrid(cells, pixelated: run.small)
        if let prior = result.prior { priorSection(&page, prior, labels: run.labels) }
        page.svg(SVGPlot(title: "Objective per step", xLabel: "step", yLabel: "objective",
                         series: run.objectives.indices.prefix(8).map { i in
                             SVGPlot.Series(name: run.objectives[i].description,
                                            points: visualization.objectivePerStep[i].enumerated().map { (Double($0.offset + 1), Double($0.element)) })
                         }).render())
        if visualization.snapshots.count > 1 {
            page.heading("Snapshots")
            page.imageGrid(snapshots.map { (path: "snapshot-\($0.step).png", caption: "step \($0.step)") })
        }
        page.link("contact sheet", to: "contact-sheet.png")
        page.reproduce(command + (command.contains("--seed") ? "" : " --seed \(settings.seed)"))
        try folder.write(page.render(), to: "index.html")
        return VisualizeResult.Line(run: folder.url.path, units: result.units.map(\.unit))
    }

    /// The activation ratio for a caption; with a non-positive reference maximum there is
    /// no ratio, but the picture may still beat every reference image.
    static func ratioCaption(_ comparison: Quality.ActivationComparison?) -> String {
        guard let comparison else { return "" }
        if let ratio = comparison.ratio { return String(format: " · ratio %.2f", ratio) }
        return String(format: " · %.2f vs reference max %.2f", comparison.visualization, comparison.referenceMax)
    }
}
