import Foundation

/// A 2-D scatter coloured by class, with a legend of the classes present. Each point is a
/// circle carrying `data-i` (its row), which the report's page uses to show the image.
struct ScatterPlot {
    let title: String
    let coordinates: [Float]
    let labels: [Int]
    let classes: [String]

    /// Tableau's ten categorical colours, then evenly spaced hues for larger class sets.
    static func color(_ k: Int) -> String {
        let tab10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
        if k >= 0 && k < tab10.count { return tab10[k] }
        return "hsl(\(Int((Double(k) * 137.508).truncatingRemainder(dividingBy: 360))),65%,45%)"
    }

    func render(width: Double = 720, height: Double = 560) -> String {
        let n = labels.count
        let present = Array(Set(labels)).sorted()
        let legendWidth = 170.0, pad = 16.0, top = 34.0
        let plotW = width - legendWidth - 2 * pad, plotH = height - top - pad
        var (x0, x1, y0, y1) = (Float.infinity, -Float.infinity, Float.infinity, -Float.infinity)
        for i in 0..<n {
            (x0, x1) = (Swift.min(x0, coordinates[2 * i]), Swift.max(x1, coordinates[2 * i]))
            (y0, y1) = (Swift.min(y0, coordinates[2 * i + 1]), Swift.max(y1, coordinates[2 * i + 1]))
        }
        // One scale for both axes: distances in the map mean the same in x and y.
        let span = Double(Swift.max(x1 - x0, y1 - y0, 1e-12)), scale = Swift.min(plotW, plotH) / span
        let ox = pad + (plotW - Double(x1 - x0) * scale) / 2, oy = top + (plotH - Double(y1 - y0) * scale) / 2
        let radius = n > 2000 ? 1.8 : n > 300 ? 2.6 : 4
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\">",
                   "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fff\"/>",
                   "<text x=\"\(Int(pad))\" y=\"22\" font-size=\"15\">\(xmlEscape(title))</text>",
                   "<rect x=\"\(Int(pad))\" y=\"\(Int(top))\" width=\"\(Int(plotW))\" height=\"\(Int(plotH))\" fill=\"none\" stroke=\"#ccc\"/>"]
        for i in 0..<n {
            let x = ox + Double(coordinates[2 * i] - x0) * scale, y = oy + Double(y1 - coordinates[2 * i + 1]) * scale
            svg.append(String(format: "<circle data-i=\"%d\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%@\" fill-opacity=\"0.75\"/>",
                              i, x, y, radius, Self.color(labels[i])))
        }
        let lx = width - legendWidth + 4
        for (row, k) in present.enumerated() {
            let y = top + 8 + Double(row) * 18
            guard y < height - 8 else { break }
            let name = k >= 0 && k < classes.count ? classes[k] : "class \(k)"
            svg.append(String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%@\"/>", lx + 5, y, Self.color(k)))
            svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">", lx + 16, y + 4) + xmlEscape(name) + "</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }
}

func xmlEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
