import Foundation
import LoupeData
import LoupeReport
import LoupeTensor

/// The run folder of `loupe evaluate`: result.json, confusion.png, misclassified.png,
/// card.json and index.html with the confusion matrix and per-class accuracy.
public enum EvaluateReport {
    public static func write(_ evaluation: ModelEvaluation, to folder: RunFolder, command: String) throws {
        var result = evaluation.result
        result.command = command
        try folder.writeResult(result)
        try folder.write(Data(try ConfusionMatrixPicture.heatMap(result.confusion).pngData()), to: "confusion.png")
        try folder.writeCard(card(result, command: command))
        let mistakes = evaluation.mistakes
        if !mistakes.isEmpty {
            let images = try Image.images(from: try Tensor.concat(mistakes.map(\.image), axis: 0))
            try folder.write(Data(try ImageGrid.make(images, columns: 10, cell: 84).pngData()), to: "misclassified.png")
        }

        let classes = result.classes ?? [], clean = evaluation.clean
        let attacked = result.attack != nil
        var page = HTMLPage(title: "Evaluation · \(result.model ?? "") · \(result.data ?? "")")
        page.paragraph(String(format: "Accuracy %.2f%% on %d images", result.accuracy * 100, result.n)
                       + (attacked ? String(format: " under attack (clean accuracy %.2f%%).", clean.accuracy * 100) : "."))
        if let line = evaluation.contributions {
            page.paragraph("Of the images correct before the attack, " + line
                           + " (each attack runs only on the images the ones before it left correct).")
        }
        if let q = result.queriesSpent { page.paragraph("The score-based attack made \(q) model queries.") }
        page.heading("Confusion matrix")
        page.paragraph("Rows are the true class, columns the predicted one; blue cells are correct, red ones mistakes.")
        page.svg(ConfusionMatrixPicture.svg(result.confusion, classes: classes))
        page.link("confusion.png", to: "confusion.png")
        page.heading("Per class")
        page.table(headers: ["#", "class", "images", "accuracy"] + (attacked ? ["clean accuracy"] : []),
                   rows: classes.indices.map { i in
                       [String(i), classes[i], String(result.confusion[i].reduce(0, +)), String(format: "%.2f%%", result.perClass[i] * 100)]
                           + (attacked ? [String(format: "%.2f%%", clean.perClass[i] * 100)] : [])
                   })
        if !mistakes.isEmpty {
            page.heading("First misclassified images")
            page.paragraph("In order: " + mistakes.map { "#\($0.index) \(classes[$0.truth]) → \(classes[$0.predicted])" }
                .joined(separator: "; "))
            page.imageGrid([(path: "misclassified.png", caption: "\(mistakes.count) misclassified images, 10 per row")],
                           pixelated: (mistakes[0].image.shape.last ?? 0) < 64)
        }
        page.reproduce(command)
        try folder.write(page.render(), to: "index.html")
    }
}
