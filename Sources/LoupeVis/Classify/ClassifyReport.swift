import Foundation
import LoupeData
import LoupeReport
import LoupeTensor

/// The run folder of `loupe classify`: each image as the model saw it, with its top classes.
public enum ClassifyReport {
    public static func write(_ result: ClassifyResult, inputs: [Tensor], to folder: RunFolder, command: String) throws {
        var page = HTMLPage(title: "Classification · \(result.model)")
        var cells: [(path: String, caption: String)] = [], images: [Image] = []
        for (i, (item, input)) in zip(result.results, inputs).enumerated() {
            let name = String(format: "image-%02d.png", i)
            images.append(try Image(tensor: input))
            try folder.write(Data(try images[i].pngData()), to: name)
            cells.append((name, item.top.first.map { String(format: "%@ (%.1f%%)", $0.name, $0.probability * 100) } ?? ""))
        }
        // The card shows the images side by side, small ones (28 px) enlarged.
        let shown = Array(images.prefix(shownOnCard))
        let side = shown.count == 1 ? max(shown[0].width, shown[0].height, 112) : 112
        try folder.write(Data(try ImageGrid.make(shown, columns: shown.count, cell: side).pngData()), to: "images.png")
        page.imageGrid(cells)
        let columns = result.results.map(\.top.count).max() ?? 0
        page.table(headers: ["image"] + (0..<columns).map { "top \($0 + 1)" },
                   rows: result.results.map { item in
                       [URL(fileURLWithPath: item.image).lastPathComponent]
                           + item.top.map { String(format: "%@ %.1f%%", $0.name, $0.probability * 100) }
                   })
        page.reproduce(command)
        try folder.writeResult(result)
        try folder.writeCard(card(result, picture: "images.png", command: command))
        try folder.write(page.render(), to: "index.html")
    }
}
