import Foundation

/// TCAV scores as bars: each concept's mean over its random sets with ±1 standard
/// deviation and every per-set score as a dot, beside the random-vs-random reference;
/// significant concepts are starred. A dashed line marks 0.5.
struct ScoreChart {
    struct Bar {
        let name: String
        let scores: [Double]
        let significant: Bool?
    }

    let title: String
    let bars: [Bar]

    func render(width: Double = 560, height: Double = 300) -> String {
        let (left, top, bottom) = (48.0, 34.0, 46.0)
        let plotW = width - left - 16, plotH = height - top - bottom
        func y(_ v: Double) -> Double { top + (1 - v) * plotH }
        let slot = plotW / Double(Swift.max(bars.count, 1)), barW = Swift.min(60, slot * 0.6)
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">",
                   "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>",
                   "<text x=\"\(Int(left))\" y=\"20\" font-size=\"14\">\(xmlEscape(title))</text>"]
        for t in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", left, y(t), left + plotW, y(t)))
            svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>", left - 6, y(t) + 4, t))
        }
        svg.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>", left, y(0.5), left + plotW, y(0.5)))
        for (i, bar) in bars.enumerated() {
            let cx = left + slot * (Double(i) + 0.5)
            let mean = bar.scores.isEmpty ? 0 : bar.scores.reduce(0, +) / Double(bar.scores.count)
            let sd = ConceptLab.standardDeviation(bar.scores)
            let colour = bar.significant == nil ? "#999" : (bar.significant! ? "#1f77b4" : "#aec7e8")
            svg.append(String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>",
                              cx - barW / 2, y(mean), barW, Swift.max(0, y(0) - y(mean)), colour))
            svg.append(String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\"/>",
                              cx, y(Swift.min(1, mean + sd)), cx, y(Swift.max(0, mean - sd))))
            for (j, s) in bar.scores.enumerated() {
                let dx = (Double(j) / Double(Swift.max(bar.scores.count - 1, 1)) - 0.5) * barW * 0.6
                svg.append(String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#d62728\" fill-opacity=\"0.7\"/>", cx + dx, y(s)))
            }
            let label = bar.name + (bar.significant == true ? " *" : "")
            svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", cx, top + plotH + 16) + xmlEscape(label) + "</text>")
            svg.append(String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">%.2f</text>", cx, top + plotH + 30, mean))
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n")
    }
}
