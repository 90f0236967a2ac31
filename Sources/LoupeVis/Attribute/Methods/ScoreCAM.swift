import Foundation
import LoupeTensor

/// Score-CAM (Wang et al. 2020): each channel of the layer, upsampled to the image and
/// min-max normalized to [0, 1], is a soft mask H_k that keeps the image where the channel
/// fires and shows the baseline elsewhere: x′ + H_k ⊙ (x − x′). Its weight is the increase
/// of the target's softmax probability over the baseline's alone (the paper's "channel-wise
/// increase of confidence"), and the map is ReLU(Σ_k w_k·A_k). One forward pass per channel,
/// `batchSize` channels at a time. With the default black baseline the mask multiplies
/// the pixels, as in the paper.
public struct ScoreCAM: LayerAttributionMethod {
    public let about = AttributionMethodInfo(
        "scorecam", signed: false, "each channel of --layer masks the image; weights are the class probability it keeps (Wang et al. 2020)",
        units: "ReLU(Σ_k w_k·A_k) at the layer, upsampled, w_k an increase of softmax probability: probability × activation units")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let reading = try context.readLayer(image, target: target, gradient: false, for: self)
        let (c, height, width) = (image.shape[1], image.shape[2], image.shape[3])
        let (n, plane) = (reading.positions, height * width)
        let baseline = try context.settings.baseline.image(like: image)
        let base = baseline.scalars, pixels = image.scalars
        let baseProbability = try Self.probabilities(of: baseline, target: target, context: context)[0]

        var weights = [Float](repeating: 0, count: reading.channels)
        // A constant channel has no mask to normalize (0/0): it keeps nothing, weight 0.
        let varying = (0..<reading.channels).filter { k in
            let map = reading.activation[(k * n)..<((k + 1) * n)]
            return map.min() != map.max()
        }
        var start = 0
        while start < varying.count {
            let chunk = Array(varying[start..<Swift.min(start + context.settings.batchSize, varying.count)])
            let maps = chunk.flatMap { k in reading.activation[(k * n)..<((k + 1) * n)] }
            let up = try Tensor(shape: [1, chunk.count, reading.height, reading.width], scalars: maps)
                .resizedBilinear(height: height, width: width).scalars
            var batch = [Float](repeating: 0, count: chunk.count * c * plane)
            for j in chunk.indices {
                let mask = up[(j * plane)..<((j + 1) * plane)]
                let (lo, hi) = (mask.min() ?? 0, mask.max() ?? 0)
                let scale: Float = hi > lo ? 1 / (hi - lo) : 0
                for ch in 0..<c {
                    for i in 0..<plane {
                        let p = ch * plane + i, h = (mask[mask.startIndex + i] - lo) * scale
                        batch[j * c * plane + p] = base[p] + h * (pixels[p] - base[p])
                    }
                }
            }
            let probabilities = try Self.probabilities(of: try Tensor(shape: [chunk.count, c, height, width], scalars: batch),
                                                       target: target, context: context)
            for (j, k) in chunk.enumerated() { weights[k] = probabilities[j] - baseProbability }
            start += chunk.count
        }
        let cam = context.weightedSum(weights, of: reading).map { Swift.max($0, 0) }
        var map = try context.camMap(self, cam, reading: reading, image: image, target: target)
        map.figures["baseline_probability"] = Double(baseProbability)
        map.figures["masked_passes"] = Double(varying.count)
        return map
    }

    /// The target's softmax probability for each image of the batch.
    static func probabilities(of images: Tensor, target: Int, context: Attributor) throws -> [Float] {
        let logits = try context.model.logits(images)
        let classes = logits.shape[1]
        let z = logits.scalars
        return (0..<images.shape[0]).map { i in
            let row = z[(i * classes)..<((i + 1) * classes)]
            let top = Double(row.max() ?? 0)
            let total = row.reduce(0.0) { $0 + Foundation.exp(Double($1) - top) }
            return Float(Foundation.exp(Double(row[row.startIndex + target]) - top) / total)
        }
    }
}
