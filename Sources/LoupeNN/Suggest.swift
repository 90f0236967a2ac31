/// Close-match suggestions for mistyped names (layers, classes, models).
public enum Suggest {
    /// Up to `limit` candidates ordered by edit distance, prefix matches first.
    public static func nearest(_ name: String, in candidates: [String], limit: Int = 5) -> [String] {
        let lower = name.lowercased()
        let scored = candidates.map { c -> (String, Int) in
            let lc = c.lowercased()
            let bonus = lc.hasPrefix(lower) || lc.contains(lower) ? -100 : 0
            return (c, distance(lower, lc) + bonus)
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
