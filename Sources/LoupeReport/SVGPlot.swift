import Foundation

/// Small line plots as inline SVG (accuracy vs ε, objective vs step, attack trajectories).
public struct SVGPlot {
    public struct Series {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { (self.name, self.points) = (name, points) }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Fixed y range (e.g. 0...1 for accuracies); nil fits the data.
    public var yRange: ClosedRange<Double>?
    /// A vertical marker, e.g. the step where the attack succeeded.
    public var marker: (x: Double, label: String)?

    public init(title: String, xLabel: String, yLabel: String, series: [Series], yRange: ClosedRange<Double>? = nil) {
        (self.title, self.xLabel, self.yLabel, self.series, self.yRange) = (title, xLabel, yLabel, series, yRange)
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    public func render(width: Double = 560, height: Double = 320) -> String {
        let (left, right, top, bottom) = (58.0, 150.0, 30.0, 44.0)
        let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var (x0, x1) = (all.map(\.x).min() ?? 0, all.map(\.x).max() ?? 1)
        var (y0, y1) = yRange.map { ($0.lowerBound, $0.upperBound) } ?? (all.map(\.y).min() ?? 0, all.map(\.y).max() ?? 1)
        if x1 <= x0 { x1 = x0 + 1 }
        if y1 <= y0 { (y0, y1) = (y0 - 0.5, y1 + 0.5) }
        let pw = width - left - right, ph = height - top - bottom
        func sx(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
        func sy(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * ph }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func label(_ v: Double) -> String { Swift.abs(v) >= 1000 || (Swift.abs(v) < 0.01 && v != 0) ? String(format: "%.2g", v) : String(format: "%.3g", v) }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        svg += "<text x=\"\(f(left))\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(escape(title))</text>"
        for i in 0...4 {
            let yv = y0 + (y1 - y0) * Double(i) / 4, xv = x0 + (x1 - x0) * Double(i) / 4
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + pw))\" y1=\"\(f(sy(yv)))\" y2=\"\(f(sy(yv)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(sy(yv) + 4))\" text-anchor=\"end\">\(label(yv))</text>"
            svg += "<text x=\"\(f(sx(xv)))\" y=\"\(f(top + ph + 16))\" text-anchor=\"middle\">\(label(xv))</text>"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#999\"/>"
        svg += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        svg += "<text transform=\"translate(14 \(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>"
        if let marker {
            svg += "<line x1=\"\(f(sx(marker.x)))\" x2=\"\(f(sx(marker.x)))\" y1=\"\(f(top))\" y2=\"\(f(top + ph))\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>"
            svg += "<text x=\"\(f(sx(marker.x) + 4))\" y=\"\(f(top + 12))\">\(escape(marker.label))</text>"
        }
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            let path = pts.map { "\(f(sx($0.x))),\(f(sy($0.y)))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"/>"
            if pts.count <= 30 {
                for p in pts { svg += "<circle cx=\"\(f(sx(p.x)))\" cy=\"\(f(sy(p.y)))\" r=\"2.5\" fill=\"\(color)\"/>" }
            }
            let ly = top + 14 + Double(i) * 16
            svg += "<line x1=\"\(f(left + pw + 10))\" x2=\"\(f(left + pw + 28))\" y1=\"\(f(ly - 4))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>"
            svg += "<text x=\"\(f(left + pw + 32))\" y=\"\(f(ly))\">\(escape(s.name))</text>"
        }
        return svg + "</svg>"
    }
}
