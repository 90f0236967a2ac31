/// A number of `MapMetrics` the comparison summarizes over images, the direction that is
/// faithful, and whether it ranks methods. Raw infidelity is in the map's own units (a
/// gradient map and a logit-contribution map differ by orders of magnitude for the same
/// shape), so it is summarized but does not rank; its normalized form does.
public struct ComparedMetric: Sendable {
    /// The key in result.json.
    public let key: String
    /// The table's column, with ↓ or ↑.
    public let title: String
    public let lowerIsBetter: Bool
    public let ranks: Bool
    public let value: @Sendable (MapMetrics) -> Double?

    public static let all: [ComparedMetric] = [
        .init(key: "deletion_auc", title: "deletion AUC ↓", lowerIsBetter: true, ranks: true) { $0.deletion?.auc },
        .init(key: "insertion_auc", title: "insertion AUC ↑", lowerIsBetter: false, ranks: true) { $0.insertion?.auc },
        .init(key: "road_morf", title: "ROAD MoRF ↓", lowerIsBetter: true, ranks: true) { $0.road?.morfMean },
        .init(key: "road_lerf", title: "ROAD LeRF ↑", lowerIsBetter: false, ranks: true) { $0.road?.lerfMean },
        .init(key: "infidelity", title: "infidelity ↓", lowerIsBetter: true, ranks: false) { $0.infidelity },
        .init(key: "infidelity_normalized", title: "infidelity (normalized) ↓", lowerIsBetter: true, ranks: true) { $0.infidelityNormalized },
        .init(key: "max_sensitivity", title: "max-sensitivity ↓", lowerIsBetter: true, ranks: true) { $0.maxSensitivity },
        .init(key: "randomization", title: "randomization ↓", lowerIsBetter: true, ranks: true) { $0.randomization },
    ]

    /// Ranks 1 (best) … n of `values` in this metric's direction; ties share their mean rank
    /// and a missing or NaN value gets none.
    public func rank(_ values: [Double?]) -> [Double?] {
        let present = values.indices.filter { values[$0].map(\.isFinite) ?? false }
        let sign = lowerIsBetter ? 1.0 : -1.0
        let sorted = present.sorted { sign * values[$0]! < sign * values[$1]! }
        var out = [Double?](repeating: nil, count: values.count)
        var start = 0
        while start < sorted.count {
            var end = start
            while end + 1 < sorted.count, values[sorted[end + 1]]! == values[sorted[start]]! { end += 1 }
            for i in start...end { out[sorted[i]] = Double(start + end) / 2 + 1 }
            start = end + 1
        }
        return out
    }
}
