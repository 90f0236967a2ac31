/// Pixels from the most to the least attributed: the order deletion, insertion and ROAD
/// remove them in. Ties keep row-major order and NaN ranks last, so the order is total
/// and the same on every run.
enum PixelRanking {
    static func descending(_ values: [Float]) -> [Int] {
        let key = values.map { $0.isNaN ? -Float.infinity : $0 }
        return values.indices.sorted { key[$0] != key[$1] ? key[$0] > key[$1] : $0 < $1 }
    }
}
