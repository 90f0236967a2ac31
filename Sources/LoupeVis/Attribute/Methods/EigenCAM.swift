import LoupeTensor

/// Eigen-CAM (Muhammad & Yeasin 2020): the layer's activations, one row per position and
/// centered per channel, projected on their first principal component (the first right
/// singular vector, from LAPACK's SVD). Class-agnostic: the target does not enter.
/// A principal component's sign is arbitrary, so the map is turned to make its largest
/// magnitude positive (pytorch-grad-cam's sign correction, Chung & Ying 2025 Eq. 13) and
/// then clamped at 0 like the rest of the CAM family.
public struct EigenCAM: LayerAttributionMethod {
    public let about = AttributionMethodInfo(
        "eigencam", signed: false, "the activations' first principal component at --layer, class-agnostic (Muhammad & Yeasin 2020)",
        units: "projection of the layer's centered activations on their first principal component, clamped at 0: activation units")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let reading = try context.readLayer(image, target: target, gradient: false, for: self)
        let (k, n) = (reading.channels, reading.positions)
        // The channel-major activation is Xᵀ (K × positions); with Xᵀ = U·S·Vᵀ the projection
        // X·u₁ is σ₁·v₁, the first row of Vᵀ scaled.
        var centered = reading.activation
        for c in 0..<k {
            let mean = centered[(c * n)..<((c + 1) * n)].reduce(0.0) { $0 + Double($1) } / Double(n)
            for i in 0..<n { centered[c * n + i] -= Float(mean) }
        }
        let (_, s, vt) = try LAPACK.svd(centered, rows: k, columns: n)
        var projection = (0..<n).map { vt[$0] * s[0] }
        if Swift.abs(projection.min() ?? 0) > Swift.abs(projection.max() ?? 0) { projection = projection.map { -$0 } }
        var map = try context.camMap(self, projection.map { Swift.max($0, 0) }, reading: reading, image: image, target: target)
        let total = s.reduce(0.0) { $0 + Double($1) * Double($1) }
        map.figures["explained_variance"] = total > 0 ? Double(s[0]) * Double(s[0]) / total : 0
        return map
    }
}
