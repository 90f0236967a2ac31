import LoupeNN
import LoupeTensor

/// CAM (Zhou et al. 2016): where the layer is followed only by a global average pool and
/// one linear layer, logit_c = Σ_k w_ck·mean(A_k) + b_c, so M_c = Σ_k w_ck·A_k is an exact
/// decomposition of the logit over positions: mean(M_c) + b_c = logit_c. Signed, as in the
/// paper; any other head has no such weights, and the method says so instead of guessing.
public struct CAM: LayerAttributionMethod {
    public let about = AttributionMethodInfo(
        "cam", signed: true, "class activation mapping: the fc weights of the class over the last feature map, global-average-pool + linear heads only (Zhou et al. 2016)",
        units: "Σ_k w_ck·A_k at the layer, upsampled: logit units; its mean over the layer's positions plus the fc bias is the logit")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let reading = try context.readLayer(image, target: target, gradient: false, for: self)
        let (weights, bias) = try Self.head(of: context.model, after: reading)
        let k = reading.channels
        var map = try context.camMap(self, context.weightedSum(Array(weights[(target * k)..<((target + 1) * k)]), of: reading),
                                     reading: reading, image: image, target: target)
        map.figures["fc_bias"] = Double(bias[target])
        return map
    }

    /// Beyond a spatial layer, CAM needs the global-average-pool + linear head.
    public func inapplicability(_ image: Tensor, target: Int, context: Attributor) -> String? {
        do {
            _ = try Self.head(of: context.model, after: try context.readLayer(image, target: target, gradient: false, for: self))
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The linear layer's weights [classes, K] and bias, checked against this very pass: every
    /// logit must be the weights times the channel means plus the bias, which is what CAM
    /// rests on (a ReLU or another layer in between would break it).
    static func head(of model: Model, after reading: LayerReading) throws -> (weights: [Float], bias: [Float]) {
        let (k, classes, layer) = (reading.channels, reading.logits.count, reading.layer)
        func refuse(_ why: String) -> VisError {
            VisError.invalid("cam is defined only where a global average pool and one linear layer follow the layer (Zhou et al. 2016, e.g. head on efficientnet-lite0); at \(layer) of \(model.name) \(why): use gradcam, which works at any layer")
        }
        let linears = model.network.namedModules().compactMap { $0.1 as? Linear }
        guard let fc = linears.last(where: { $0.inFeatures == k && $0.outFeatures == classes }) else {
            throw refuse("no linear layer maps its \(k) channels to the \(classes) logits")
        }
        let weights = fc.weight.value.scalars, bias = fc.bias?.value.scalars ?? [Float](repeating: 0, count: classes)
        let n = reading.positions
        let means = (0..<k).map { c in reading.activation[(c * n)..<((c + 1) * n)].reduce(0.0) { $0 + Double($1) } / Double(n) }
        for c in 0..<classes {
            var sum = Double(bias[c]), scale = Swift.abs(Double(bias[c]))
            for j in 0..<k {
                let term = Double(weights[c * k + j]) * means[j]
                sum += term
                scale += Swift.abs(term)
            }
            // Float32 sums of a few thousand terms agree to ~1e-6 of their magnitude.
            guard Swift.abs(sum - Double(reading.logits[c])) <= 1e-3 * scale + 1e-5 else {
                throw refuse("the logits are not the linear layer applied to the channel means (class \(c): \(reading.logits[c]) vs \(Float(sum)))")
            }
        }
        return (weights, bias)
    }
}
