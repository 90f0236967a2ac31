import Foundation
import LoupeData
import LoupeReport

/// The run folder of `loupe attribute --images`: per image its input and every method's map
/// over it (written as each image finishes), then the table of methods × metrics, the mean
/// deletion and insertion curves, a row of maps per image with their scores, result.json,
/// card.json and index.html.
public enum ComparisonReport {
    /// What `--json` prints: the run and the summary, without the per-image detail.
    public struct Line: Codable, Sendable {
        public var run: String
        public var n: Int
        public var interval: String
        public var skipped: [ComparisonResult.Skipped]
        public var summary: [ComparisonResult.MethodSummary]
    }

    /// One image's pictures, at the names its row gives.
    public static func writeImage(_ row: ComparisonResult.ImageRow, _ attribution: Attribution, to folder: RunFolder) throws {
        let shown = try Render.writeInput(attribution.input, to: folder, as: row.input)
        for (cell, map) in zip(row.maps, attribution.maps) {
            try folder.write(Data(try Render.overlay(map, on: shown, colormap: attribution.colormap.colormap).pngData()), to: cell.image)
        }
    }

    /// Writes result.json, the card and the page; returns what `--json` prints.
    @discardableResult
    public static func write(_ comparison: ComparisonResult, to folder: RunFolder, command: String) throws -> Line {
        var result = comparison
        result.command = command
        let local = result.images
        for i in result.images.indices {
            result.images[i].input = folder.finalPath(local[i].input)
            for j in result.images[i].maps.indices { result.images[i].maps[j].image = folder.finalPath(local[i].maps[j].image) }
        }
        try folder.writeResult(result)
        if let first = local.first {
            let pictures = try ([first.input] + first.maps.prefix(5).map(\.image)).map { name -> Image in
                guard let data = folder.read(name) else { throw ReportError.io(name, "missing from the run folder") }
                return try Image.decode([UInt8](data), name: name)
            }
            try folder.write(Data(try ImageGrid.make(pictures, columns: pictures.count, cell: 160).pngData()), to: "overview.png")
        }
        try folder.writeCard(card(result, picture: local.isEmpty ? nil : "overview.png", command: command))
        try folder.write(page(result, local: local).render(), to: "index.html")
        var brief = result.summary
        for i in brief.indices { (brief[i].deletionCurve, brief[i].insertionCurve) = (nil, nil) }
        return Line(run: folder.url.path, n: result.n, interval: result.interval, skipped: result.skipped, summary: brief)
    }

    static func card(_ r: ComparisonResult, picture: String?, command: String) -> RunCard {
        var figures = [RunCard.Figure("images", .integer("n"))]
        for i in r.summary.indices.prefix(3) {
            figures.append(.init("#\(i + 1) " + r.summary[i].method, .number("summary.\(i).mean_rank.mean", prefix: "mean rank ")))
        }
        return RunCard(title: "Attribution comparison · \(r.model) · \(r.n) image\(r.n == 1 ? "" : "s")", command: command,
                       picture: picture, figures: figures)
    }

    static func page(_ r: ComparisonResult, local: [ComparisonResult.ImageRow]) -> HTMLPage {
        var page = HTMLPage(title: "Attribution comparison · \(r.model) · \(r.n) images")
        page.paragraph("\(r.methods.count) methods on \(r.n) images, each map scored for the target's logit (each image's top-1 "
                       + "class unless --target). Brackets: \(r.interval). Methods are ranked by their rank among the methods on "
                       + "each image, averaged over \(r.rankedBy.joined(separator: ", ")) and then over the images; raw infidelity "
                       + "is in each map's own units, so only its normalized form ranks.")
        if !r.skipped.isEmpty {
            page.paragraph("Not run on this model: " + r.skipped.map { "\($0.method) (\($0.reason))" }.joined(separator: "; ") + ".")
        }
        let (headers, rows) = r.tableRows
        page.table(headers: headers, rows: rows)
        if let fractions = r.curveFractions {
            let curves = [("Deletion", \ComparisonResult.MethodSummary.deletionCurve),
                          ("Insertion", \ComparisonResult.MethodSummary.insertionCurve)]
            for (title, curve) in curves {
                page.svg(SVGPlot(title: "\(title): mean target logit over the images as pixels move in the map's order",
                                 xLabel: "fraction of pixels", yLabel: "mean logit",
                                 series: r.summary.compactMap { s in
                                     s[keyPath: curve].map { SVGPlot.Series(name: s.method, points: Array(zip(fractions, $0))) }
                                 }).render())
            }
        }
        page.heading("Every map")
        let number = { (v: Double?) in v.map { String(format: "%.3g", $0) } ?? "—" }
        for row in local {
            page.heading("\((row.image as NSString).lastPathComponent) · target \(row.target.index) \(row.target.name)", level: 3)
            page.imageGrid([(row.input, "input")] + row.maps.map { cell in
                let m = cell.metrics
                return (cell.image, "\(cell.method) · del \(number(m?.deletion?.auc)) · ins \(number(m?.insertion?.auc))"
                        + " · MoRF \(number(m?.road?.morfMean)) · LeRF \(number(m?.road?.lerfMean))")
            })
        }
        page.reproduce(r.command)
        return page
    }
}
