import Foundation
import LoupeData
import LoupeReport

/// The run folder of `loupe embed`: scatter.svg, embedding.csv (index, label, class, x,
/// y), thumbnails.png (every image on one sheet, in point order), result.json, and an
/// index.html whose scatter shows a point's image and class on hover.
public enum EmbedReport {
    @discardableResult
    public static func write(_ lab: EmbedLab, to folder: RunFolder, command: String) throws -> EmbedResult {
        var result = lab.result
        result.command = command
        let r = result
        let title = "\(r.method == .pca ? "PCA" : "t-SNE") of \(r.layer) · \(r.model) · \(r.n) images"
        let svg = ScatterPlot(title: title, coordinates: lab.coordinates, labels: lab.labels, classes: r.classes).render()
        try folder.write(svg, to: "scatter.svg")
        var csv = "index,label,class,x,y\n"
        for (i, l) in lab.labels.enumerated() {
            let name = l < r.classes.count ? r.classes[l].replacingOccurrences(of: ",", with: ";") : "\(l)"
            csv += "\(i),\(l),\(name),\(lab.coordinates[2 * i]),\(lab.coordinates[2 * i + 1])\n"
        }
        try folder.write(csv, to: "embedding.csv")
        let cell = lab.thumbnails.map { Swift.max($0.width, $0.height) }.max() ?? 1
        let columns = Swift.max(1, Int(Double(lab.thumbnails.count).squareRoot().rounded(.up)))
        try folder.write(Data(try ImageGrid.make(lab.thumbnails, columns: columns, cell: cell, gap: 0).pngData()), to: "thumbnails.png")
        result.points = folder.finalPath("embedding.csv")
        result.scatter = folder.finalPath("scatter.svg")
        try folder.writeResult(result)
        try folder.writeCard(card(r, title: title, command: command))

        var page = HTMLPage(title: title)
        page.paragraph("Each point is one image of \(r.data): the \(r.dimensions) "
                       + (r.features == "channel-mean" ? "channel means" : "activations")
                       + " of \(r.layer), projected to 2-D by " + (r.method == .pca ? "PCA" : "t-SNE")
                       + ", coloured by its " + (r.labels == "data" ? "label" : "predicted class (the model's top-1)")
                       + ". Hover a point to see its image.")
        page.raw(hoverMarkup(classes: r.classes, labels: lab.labels, columns: columns, cell: cell))
        page.svg(svg)
        let variance = r.explainedVariance.prefix(2).map { String(format: "%.1f%%", $0 * 100) }.joined(separator: " + ")
        page.table(headers: ["measure", "value"], rows: [
            ["trustworthiness (k = \(r.neighbors.k))", String(format: "%.4f", r.trustworthiness)],
            ["\(r.neighbors.k)-NN accuracy, \(r.dimensions)-D features", String(format: "%.2f%%", r.neighbors.original * 100)],
            ["\(r.neighbors.k)-NN accuracy, 2-D map", String(format: "%.2f%%", r.neighbors.embedded * 100)],
            ["variance on PCA's first two axes", variance],
        ] + (r.tsne.map { [["t-SNE KL divergence", String(format: "%.4f", $0.klDivergence)],
                             ["t-SNE perplexity / iterations", String(format: "%g / %d", $0.perplexity, $0.iterations)]] } ?? []))
        page.paragraph("Trustworthiness (Venna & Kaski) is 1 when every point's nearest neighbours in the map are also near it in "
                       + "the layer; k-NN accuracy is leave-one-out, each point voted by its \(r.neighbors.k) nearest others.")
        page.reproduce(command)
        try folder.write(page.render(), to: "index.html")
        return result
    }

    /// A floating box that shows the hovered point's thumbnail (a window into
    /// thumbnails.png) and class.
    static func hoverMarkup(classes: [String], labels: [Int], columns: Int, cell: Int) -> String {
        let names = "[" + classes.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "<", with: "\\u003c") + "\"" }.joined(separator: ",") + "]"
        let zoom = Swift.max(1, 96 / cell)
        return """
        <style>#hover{position:fixed;display:none;pointer-events:none;background:#fff;border:1px solid #999;padding:4px;font-size:12px;z-index:9}
        #hover div{width:\(cell * zoom)px;height:\(cell * zoom)px;background:url(thumbnails.png);image-rendering:pixelated;
        background-size:\(columns * cell * zoom)px auto}.plot circle[data-i]:hover{stroke:#000;stroke-width:1.5}</style>
        <div id="hover"><div></div><span></span></div>
        <script>
        (function () {
          var names = \(names), labels = [\(labels.map(String.init).joined(separator: ","))];
          var columns = \(columns), side = \(cell * zoom);
          document.addEventListener("mouseover", function (e) {
            var box = document.getElementById("hover"), i = e.target.getAttribute && e.target.getAttribute("data-i");
            if (i === null || i === undefined) { box.style.display = "none"; return; }
            i = +i;
            box.firstChild.style.backgroundPosition = (-(i % columns) * side) + "px " + (-Math.floor(i / columns) * side) + "px";
            box.lastChild.textContent = "#" + i + " " + (names[labels[i]] || labels[i]);
            box.style.left = (e.clientX + 14) + "px"; box.style.top = (e.clientY + 14) + "px";
            box.style.display = "block";
          });
        })();
        </script>
        """
    }

    /// The headline for recipe pages and the gallery: how faithful the map is to the layer.
    static func card(_ r: EmbedResult, title: String, command: String) -> RunCard {
        RunCard(title: title, command: command, picture: "scatter.svg", figures: [
            .init("trustworthiness", .number("trustworthiness")),
            .init("k-NN accuracy", .percent("neighbors.original", prefix: "layer "), .percent("neighbors.embedded", prefix: "map ")),
            .init("images", .integer("n")),
        ])
    }
}
