import Foundation
import LoupeData
import LoupeReport

/// The run folder of `loupe deconv`: the input, each reconstruction, with --keep unit
/// each beside the image cropped to the unit's field, a sheet of them for the card,
/// result.json, card.json and index.html.
public enum DeconvReport {
    /// Writes the run and returns what `--json` prints.
    @discardableResult
    public static func write(_ lab: DeconvLab, to folder: RunFolder, command: String) throws -> MapsLine {
        var result = lab.result
        result.command = command
        let shown = try Render.writeInput(lab.input, to: folder)
        var cells: [(path: String, caption: String)] = [("input.png", "input")]
        var sheet: [Image] = []
        for (i, rec) in lab.reconstructions.enumerated() {
            let entry = result.reconstructions[i]
            let picture = try Render.reconstruction(rec.pixels)
            try folder.write(Data(try picture.pngData()), to: entry.image)
            // The card's sheet: a row per channel, the input then each rule's reconstruction.
            if i % result.rules.count == 0 && i / result.rules.count < channelsOnCard { sheet.append(shown) }
            if i / result.rules.count < channelsOnCard { sheet.append(picture) }
            var caption = "\(entry.rule.rawValue) · ch \(rec.channel) · a=\(String(format: "%.3g", rec.activation))"
            if let unit = rec.unit { caption += " @(\(unit.x),\(unit.y))" }
            cells.append((entry.image, caption))
            if let box = lab.crops[i], let crop = entry.crop {
                let pair = try ImageGrid.make([try Render.crop(shown, box), try Render.crop(picture, box)], columns: 2, cell: max(box.side, 96))
                try folder.write(Data(try pair.pngData()), to: crop.image)
                cells.append((crop.image, (lab.hasField ? "receptive field" : "footprint") + " \(box.side)px: image | reconstruction"))
                result.reconstructions[i].crop?.image = folder.finalPath(crop.image)
            }
            result.reconstructions[i].image = folder.finalPath(entry.image)
            result.maps[i].image = folder.finalPath(entry.image)
        }
        try folder.writeResult(result)
        try folder.write(Data(try ImageGrid.make(sheet, columns: result.rules.count + 1, cell: 112).pngData()), to: "reconstructions.png")
        try folder.writeCard(card(result, command: command))
        var page = HTMLPage(title: "DeconvNet · \(result.model) · \(result.layer)")
        page.paragraph("Each reconstruction keeps one channel's " + (result.keep == .unit ? "strongest unit" : "whole map")
                       + " at \(result.layer), zeros the rest of the layer and runs the backward pass to the pixels. "
                       + "Gray is zero; the brightest and darkest pixels are the largest magnitudes of each picture. "
                       + "Rules: deconvnet rectifies the backward signal only; guided also masks where the forward "
                       + "activation was off; gradient is the true gradient.")
        page.imageGrid(cells)
        page.reproduce(command)
        try folder.write(page.render(), to: "index.html")
        return MapsLine(run: folder.url.path, maps: result.maps)
    }
}
