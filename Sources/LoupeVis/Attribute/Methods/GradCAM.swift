import LoupeTensor

/// Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhyay et al. 2018): one
/// base, the two differ only in how a channel's gradients become its weight.
public struct GradCAM: LayerAttributionMethod {
    public let plusPlus: Bool

    public init(plusPlus: Bool) { self.plusPlus = plusPlus }

    public var about: AttributionMethodInfo {
        plusPlus ? AttributionMethodInfo("gradcampp", signed: false, "Grad-CAM++ (Chattopadhyay et al. 2018)", units: Self.units)
            : AttributionMethodInfo("gradcam", signed: false, "Grad-CAM at a conv layer, --layer (Selvaraju et al. 2017)", units: Self.units)
    }

    static let units = "ReLU(Σ_k α_k·A_k) at the layer, upsampled: activation × logit per activation"

    /// Grad-CAM (Selvaraju et al. 2017): weights α_k = mean over positions of ∂score/∂A_k
    /// at a conv layer's activation A; map = ReLU(Σ_k α_k A_k), upsampled bilinearly to
    /// the input. Grad-CAM++ (Chattopadhyay et al. 2018) weights each position's positive
    /// gradient by g² / (2g² + Σ_ab A_ab·g³), its closed form for an exponentiated score.
    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let reading = try context.readLayer(image, target: target, gradient: true, for: self)
        let n = reading.positions
        let av = reading.activation, gv = reading.gradient ?? []
        var weights = [Float](repeating: 0, count: reading.channels)
        for c in 0..<reading.channels {
            let base = c * n
            if plusPlus {
                var sumA: Float = 0
                for i in 0..<n { sumA += av[base + i] }
                var total: Float = 0
                for i in 0..<n {
                    let g1 = gv[base + i], g2 = g1 * g1, g3 = g2 * g1
                    let denominator = 2 * g2 + sumA * g3
                    let alpha = denominator != 0 ? g2 / denominator : 0
                    total += alpha * Swift.max(g1, 0)
                }
                weights[c] = total
            } else {
                var total: Float = 0
                for i in 0..<n { total += gv[base + i] }
                weights[c] = total / Float(n)
            }
        }
        let cam = context.weightedSum(weights, of: reading).map { Swift.max($0, 0) }
        return try context.camMap(self, cam, reading: reading, image: image, target: target)
    }
}
