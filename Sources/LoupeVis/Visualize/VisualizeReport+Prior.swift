import Foundation
import LoupeData
import LoupeReport
import LoupeTensor

extension VisualizeReport {
    /// Writes the generator-prior images (each prototype and its nearest training image,
    /// enlarged) and a sheet with one row per objective: pixel prototype, its nearest
    /// training image, prior prototype, its nearest training image. Returns the
    /// comparison with the images' final paths.
    static func writePrior(_ prior: PriorPrototypes, to folder: RunFolder) throws -> PriorComparison {
        var comparison = prior.comparison
        let sets = try [prior.pixelImages, prior.nearestToPixel, prior.priorImages, prior.nearestToPrior].map { try Image.images(from: $0) }
        for i in comparison.pairs.indices {
            var pair = comparison.pairs[i]
            let files = [pair.pixel.image, pair.pixel.nearestImage, pair.prior.image, pair.prior.nearestImage]
            for (set, file) in zip(sets, files) {
                try folder.write(Data(try ImageGrid.enlarged(set[i], toAtLeast: 112).pngData()), to: file)
            }
            (pair.pixel.image, pair.pixel.nearestImage) = (folder.finalPath(pair.pixel.image), folder.finalPath(pair.pixel.nearestImage))
            (pair.prior.image, pair.prior.nearestImage) = (folder.finalPath(pair.prior.image), folder.finalPath(pair.prior.nearestImage))
            comparison.pairs[i] = pair
        }
        let rows = comparison.pairs.indices.flatMap { i in sets.map { $0[i] } }
        try folder.write(Data(try ImageGrid.make(rows, columns: 4, cell: 112).pngData()), to: priorSheet)
        return comparison
    }

    static let priorSheet = "prior-comparison.png"

    /// The side-by-side section of the page: per objective the two prototypes with their
    /// class probability, each beside its nearest training image and the distance to it.
    static func priorSection(_ page: inout HTMLPage, _ c: PriorComparison, labels: [String]) {
        func p(_ v: Float?) -> String { v.map { String(format: "p %.3f", $0) } ?? "objective" }
        page.heading("Pixel prototype and generator-prior prototype")
        page.paragraph("The generator prior optimizes the \(c.latent)-dimensional code z of the VAE \(c.generator) "
                       + "(Adam, \(c.settings.steps) steps, lr \(c.settings.lr), penalty \(c.settings.l2)·‖z‖²) so that its "
                       + "decoded image maximizes the objective, instead of optimizing pixels. Class probabilities are the model's "
                       + "softmax on each image as it is. Distances are L2 over the 28×28 pixels in [0, 1] to the nearest of the "
                       + "\(c.searchedCount) images of \(c.searched), the generator's training data (shown beside each prototype).")
        for (i, pair) in c.pairs.enumerated() {
            page.heading(i < labels.count ? labels[i] : pair.objective, level: 3)
            page.imageGrid([
                (pair.pixel.image, "pixel prototype · " + p(pair.pixel.classProbability)),
                (pair.pixel.nearestImage, String(format: "nearest training image #%d · L2 %.2f", pair.pixel.nearestIndex, pair.pixel.nearestDistance)),
                (pair.prior.image, "generator prior · " + p(pair.prior.classProbability)),
                (pair.prior.nearestImage, String(format: "nearest training image #%d · L2 %.2f", pair.prior.nearestIndex, pair.prior.nearestDistance)),
            ].map { (path: URL(fileURLWithPath: $0.0).lastPathComponent, caption: $0.1) }, pixelated: true)
        }
        func text(_ v: Float?) -> String { v.map { String(format: "%.3f", $0) } ?? "–" }
        page.table(headers: ["objective", "pixel p", "pixel → nearest L2", "prior p", "prior → nearest L2", "‖z‖"],
                   rows: c.pairs.enumerated().map { i, pair in
                       [i < labels.count ? labels[i] : pair.objective, text(pair.pixel.classProbability),
                        String(format: "%.2f", pair.pixel.nearestDistance), text(pair.prior.classProbability),
                        String(format: "%.2f", pair.prior.nearestDistance), String(format: "%.2f", pair.latentNorm)]
                   })
    }

    /// Card figures of a prior run: each objective's two probabilities (or objectives).
    static func priorFigures(_ c: PriorComparison, labels: [String]) -> [RunCard.Figure] {
        c.pairs.indices.prefix(unitsOnCard).map { i in
            let key = "prior.pairs.\(i)"
            let name = (i < labels.count ? labels[i] : c.pairs[i].objective) + ", pixel / prior"
            return c.pairs[i].prior.classProbability == nil
                ? RunCard.Figure(name, .init("\(key).pixel.objective", .number), .init("\(key).prior.objective", .number, prefix: "/ "))
                : RunCard.Figure(name, .init("\(key).pixel.class_probability", .percent, prefix: "p "),
                                 .init("\(key).prior.class_probability", .percent, prefix: "/ "))
        }
    }
}
