import LoupeTensor

/// Deletion and insertion (Petsiuk et al. 2018, "RISE", §4.1): pixels in the map's order,
/// most attributed first, are replaced by the substrate (deletion: the score should fall
/// fast, low area is faithful) or put back into it (insertion: the score should rise fast,
/// high area is faithful). Step j of `steps` has ⌊j·H·W / steps⌋ pixels moved; the area
/// is the trapezoidal rule over the fraction moved. All channels of a pixel move together.
public enum DeletionInsertion {
    public static func curves(_ map: AttributionMap, image: Tensor, substrate: Tensor, steps: Int, target: Int,
                       context: Attributor) throws -> (deletion: MapMetrics.Curve, insertion: MapMetrics.Curve) {
        let plane = map.width * map.height, channels = image.shape[1]
        let order = PixelRanking.descending(map.values)
        let counts = (0...steps).map { $0 * plane / steps }
        let fill = substrate.scalars
        // Samples 0…steps are deletion, steps+1… insertion: one batched stream of copies.
        let scores = try context.perturbedScores(image, count: 2 * (steps + 1), target: target) { s, out in
            let deleting = s <= steps
            let moved = counts[deleting ? s : s - steps - 1]
            // Deletion fills the first `moved` ranks; insertion fills all the others.
            for r in (deleting ? 0..<moved : moved..<plane) {
                let p = order[r]
                for ch in 0..<channels { out[ch * plane + p] = fill[ch * plane + p] }
            }
        }
        let fractions = counts.map { Double($0) / Double(plane) }
        func curve(_ ys: ArraySlice<Float>) -> MapMetrics.Curve {
            let values = ys.map(Double.init)
            return MapMetrics.Curve(auc: trapezoid(fractions, values), fractions: fractions, scores: values)
        }
        return (curve(scores[0...steps]), curve(scores[(steps + 1)...]))
    }

    static func trapezoid(_ xs: [Double], _ ys: [Double]) -> Double {
        var area = 0.0
        for i in xs.indices.dropFirst() { area += (xs[i] - xs[i - 1]) * (ys[i] + ys[i - 1]) / 2 }
        return area
    }
}
