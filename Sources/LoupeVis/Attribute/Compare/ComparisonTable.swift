import Foundation

extension ComparisonResult {
    /// The metrics some method has a value of, in `ComparedMetric.all`'s order.
    public var measuredMetrics: [ComparedMetric] {
        ComparedMetric.all.filter { metric in summary.contains { ($0.metrics[metric.key]?.n ?? 0) > 0 } }
    }

    /// "mean [lower, upper]", or the mean alone with one image, or "—".
    public static func shown(_ m: MeanInterval?) -> String {
        guard let m, let mean = m.mean else { return "—" }
        let number = { (v: Double) in String(format: "%.4g", v) }
        guard let lower = m.lower, let upper = m.upper else { return number(mean) }
        return "\(number(mean)) [\(number(lower)), \(number(upper))]"
    }

    /// The table's header and rows: methods by rank × mean rank and every measured metric.
    public var tableRows: (headers: [String], rows: [[String]]) {
        let metrics = measuredMetrics
        return (["method", "rank", "mean rank ↓"] + metrics.map(\.title),
                summary.map { s in [s.method, "\(s.rank)", Self.shown(s.meanRank)] + metrics.map { Self.shown(s.metrics[$0.key]) } })
    }

    /// The table as aligned text, with what the brackets are under it.
    public var textTable: String {
        let (headers, rows) = tableRows
        let widths = headers.indices.map { c in ([headers[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in cell + String(repeating: " ", count: widths[c] - cell.count) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
            + "\nn = \(n) image\(n == 1 ? "" : "s"); brackets: \(interval); ranked by mean rank over "
            + rankedBy.joined(separator: ", ")
            + (skipped.isEmpty ? "" : "\nskipped: " + skipped.map { "\($0.method) (\($0.reason))" }.joined(separator: "; "))
    }
}
