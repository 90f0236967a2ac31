import LoupeNN
import LoupeTensor

/// What every attribution method works with: the model, the settings, and the target
/// logit's input gradient in batches (Captum's `_utils`). The score is the target's
/// pre-softmax logit throughout, so methods are comparable and IG's completeness holds
/// exactly for it.
public struct Attributor {
    public let model: Model
    public var settings: AttributionSettings

    public init(model: Model, settings: AttributionSettings = AttributionSettings()) {
        self.model = model
        self.settings = settings
    }

    /// The `target` logit of each image and its gradient with respect to the pixels,
    /// under `rule`, in batches of `settings.batchSize`.
    public func gradients(_ images: Tensor, target: Int, rule: ReLURule = .gradient) throws -> (grads: Tensor, scores: [Float]) {
        try checkTarget(target)
        let n = images.shape[0]
        var grads: [Tensor] = [], scores: [Float] = []
        var start = 0
        while start < n {
            let len = Swift.min(settings.batchSize, n - start)
            let chunk = try images.narrowed(axis: 0, start: start, length: len)
            var batchScores: [Float] = []
            let result = try model.inputGradient(chunk, rule: rule) { pass in
                guard let logits = pass.output else { throw VisError.invalid("\(model.name) produced no logits") }
                let picked = try logits.narrowed(axis: 1, start: target, length: 1)
                batchScores = picked.scalars
                // Summing keeps each image's gradient its own: images do not interact.
                return picked.sum()
            }
            grads.append(result.gradient)
            scores += batchScores
            start += len
        }
        return (try Tensor.concat(grads, axis: 0), scores)
    }

    /// Runs `method` on one image [1, C, H, W] for class `target`.
    public func attribute(_ image: Tensor, target: Int, method: any AttributionMethod) throws -> AttributionMap {
        try checkImage(image)
        return try method.attribute(image, target: target, context: self)
    }

    /// The score's input gradient under `rule`, as a max-|·| map named after `method`:
    /// saliency, guided backprop and DeconvNet differ only in the ReLU rule.
    public func gradientMap(_ image: Tensor, target: Int, rule: ReLURule, as method: some AttributionMethod) throws -> AttributionMap {
        try checkImage(image)
        let (g, scores) = try gradients(image, target: target, rule: rule)
        return try map(method, g, .maxAbs, target: target, score: scores[0])
    }

    /// The target logit of each image, without recording gradients.
    public func scores(_ images: Tensor, target: Int) throws -> [Float] {
        let logits = try model.logits(images)
        return try logits.narrowed(axis: 1, start: target, length: 1).scalars
    }

    /// `perChannel` ([1, C, H, W]) reduced to the 2-D map of `method`.
    public func map(_ method: some AttributionMethod, _ perChannel: Tensor, _ reduction: AttributionMap.Reduction,
             target: Int, score: Float?) throws -> AttributionMap {
        let single = try perChannel.reshaped(Array(perChannel.shape.dropFirst()))
        let (values, w, h) = try AttributionMap.reduce(single, reduction)
        var result = AttributionMap(method: method.name, values: values, width: w, height: h,
                                    signed: method.signed, perChannel: single, target: target)
        if let score { result.figures["score"] = Double(score) }
        return result
    }

    public func checkImage(_ image: Tensor) throws {
        guard image.rank == 4, image.shape[0] == 1, image.shape[1] == model.preset.channels else {
            throw VisError.invalid("attribution expects one image [1, \(model.preset.channels), H, W], got \(image.shape)")
        }
    }

    public func checkTarget(_ target: Int) throws {
        let classes = model.preset.labels.count
        guard target >= 0, classes == 0 || target < classes else {
            throw VisError.invalid("target class \(target) is outside 0..<\(classes) of \(model.name)")
        }
    }
}
