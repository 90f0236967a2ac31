import LoupeTensor

/// SmoothGrad (Smilkov et al. 2017): the gradient averaged over `samples` copies of the
/// image with Gaussian noise of σ = sigma × (max − min of the image); max-|·| map.
public struct SmoothGrad: AttributionMethod {
    public let about = AttributionMethodInfo("smoothgrad", signed: false, "gradient averaged over noisy copies of the image (Smilkov et al. 2017)",
        units: "|mean of ∂logit/∂pixel over the noisy copies|, the largest over color channels: logit per unit of pixel value (pixels in [0, 1])")

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let settings = context.settings, samples = settings.samples ?? 50
        guard samples >= 1 else { throw VisError.invalid("SmoothGrad needs at least 1 sample") }
        guard settings.sigma >= 0 else { throw VisError.invalid("SmoothGrad σ must not be negative") }
        let values = image.scalars
        let range = (values.max() ?? 1) - (values.min() ?? 0)
        let std = settings.sigma * (range > 0 ? range : 1)
        let stream = RandomStream(seed: settings.seed, key: [0x5300, UInt64(target)])
        var sum = Tensor.zeros(like: image)
        var start = 0
        while start < samples {
            let len = Swift.min(settings.batchSize, samples - start)
            // Each sample's noise is keyed by its own index, so the result does not
            // depend on the batch size.
            let noisy = try Tensor.concat((start..<(start + len)).map { s in
                try image + Tensor.randomNormal(image.shape, std: std, stream: stream.derived(UInt64(s)))
            }, axis: 0)
            let (g, _) = try context.gradients(noisy, target: target)
            sum = try Autograd.noGrad { try sum + g.sum(axes: [0], keepDims: true) }
            start += len
        }
        let mean = sum * (1 / Float(samples))
        var result = try context.map(self, mean, .maxAbs, target: target, score: nil)
        result.figures["samples"] = Double(samples)
        result.figures["sigma"] = Double(settings.sigma)
        return result
    }
}
