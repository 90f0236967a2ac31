import Foundation
import LoupeData
import LoupeReport

/// The run folder of `loupe exemplars`, Zeiler & Fergus's figure: each top image and its
/// reconstruction, both also cropped and paired, the grids of all crops, result.json,
/// card.json and index.html.
public enum ExemplarsReport {
    /// Writes the run and returns what `--json` prints.
    @discardableResult
    public static func write(_ lab: ExemplarsLab, to folder: RunFolder, command: String) throws -> MapsLine {
        var result = lab.result
        result.command = command
        // Small inputs (28 px) are drawn larger, large ones shrunk, so the figure reads at a glance.
        let cell = max(96, min(lab.inputSize, 160)), pixelated = lab.inputSize < 64
        var patches: [Image] = [], recons: [Image] = [], cells: [(path: String, caption: String)] = []
        for (i, e) in lab.exemplars.enumerated() {
            let entry = result.exemplars[i]
            let picture = try Render.image(e.image), recon = try Render.reconstruction(e.reconstruction)
            try folder.write(Data(try picture.pngData()), to: entry.image)
            try folder.write(Data(try recon.pngData()), to: entry.reconstruction)
            let (patch, reconPatch) = (try Render.crop(picture, e.crop), try Render.crop(recon, e.crop))
            patches.append(patch)
            recons.append(reconPatch)
            try folder.write(Data(try ImageGrid.make([patch, reconPatch], columns: 2, cell: cell).pngData()), to: entry.pair)
            cells.append((entry.pair, "#\(entry.rank) \(e.caption) · a=\(String(format: "%.3g", e.activation))"))
            result.exemplars[i].image = folder.finalPath(entry.image)
            result.exemplars[i].reconstruction = folder.finalPath(entry.reconstruction)
            result.exemplars[i].pair = folder.finalPath(entry.pair)
            result.maps[i].image = folder.finalPath(entry.reconstruction)
        }
        let columns = Int(Double(lab.exemplars.count).squareRoot().rounded(.up))
        try folder.write(Data(try ImageGrid.make(recons, columns: columns, cell: cell).pngData()), to: "reconstructions.png")
        try folder.write(Data(try ImageGrid.make(patches, columns: columns, cell: cell).pngData()), to: "patches.png")
        try folder.writeResult(result)
        try folder.writeCard(card(result, command: command))

        var page = HTMLPage(title: "Top-\(result.k) exemplars · \(result.model) · \(result.layer) channel \(result.channel)")
        page.paragraph("The \(lab.exemplars.count) images of \(result.data) where the channel's strongest unit fires hardest. "
                       + "Left: the reconstructions (\(result.rule.rawValue)), right: the image patches, both cropped to "
                       + (lab.exemplars.first?.receptiveField.map { "the unit's receptive field, \($0), centered on the unit "
                           + "and clamped into the image." }
                          ?? "where the reconstruction reaches (the layer has no spatial map)."))
        page.imageGrid([("reconstructions.png", "reconstructions"), ("patches.png", "image patches")], pixelated: pixelated)
        page.heading("Each exemplar: patch | reconstruction")
        page.imageGrid(cells, pixelated: pixelated)
        page.reproduce(command)
        try folder.write(page.render(), to: "index.html")
        return MapsLine(run: folder.url.path, maps: result.maps)
    }
}
