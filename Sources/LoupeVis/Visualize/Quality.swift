import LoupeNN
import LoupeTensor

/// Numbers that say how good a visualization is, so pictures can be compared
/// across settings and models rather than judged by eye alone.
public enum Quality {
    /// A unit's activation on a visualization beside its strongest response to reference
    /// images (real photos or a test set).
    public struct ActivationComparison {
        public var visualization: Float
        public var referenceMax: Float
        /// Above 1 means the picture drives the unit harder than anything natural in the
        /// reference set. Nil when the reference maximum is not positive: channel means of
        /// a layer without a rectifier can be negative on every photo, and a ratio to a
        /// negative number would read backwards (`referenceMax` then tells the story).
        public var ratio: Float? { referenceMax > 0 ? visualization / referenceMax : nil }
    }

    /// Each objective on its visualization and its maximum over `reference`.
    public static func activationRatios(
        model: Model, objectives: [Objective], visualizations: Tensor, reference: Tensor, batchSize: Int = 32
    ) throws -> [ActivationComparison] {
        let visualizer = Visualizer(model: model)
        let onVis = try visualizer.evaluate(objectives, on: visualizations)
        let layers = objectives.reduce(into: Set<String>()) { $0.formUnion($1.layers) }
        let stop = objectives.contains(where: \.needsLogits) ? nil : try visualizer.deepest(layers)
        var refMax = [Float](repeating: -.infinity, count: objectives.count)
        let n = reference.shape[0]
        var start = 0
        // One forward pass per chunk of references serves every objective.
        while start < n {
            let len = min(batchSize, n - start)
            let chunk = try reference.narrowed(axis: 0, start: start, length: len)
            try Autograd.noGrad {
                let pass = try model.forward(chunk, recording: layers, stopAfter: stop)
                for (i, objective) in objectives.enumerated() {
                    for item in 0..<len { refMax[i] = max(refMax[i], try objective.value(pass, item: item).item) }
                }
            }
            start += len
        }
        return zip(onVis, refMax).map { ActivationComparison(visualization: $0, referenceMax: $1) }
    }

    /// Mean probability of `target` over `draws` random standard transforms of each image:
    /// a class prototype should be recognized from any small shift, scale or rotation.
    public static func classProbability(
        model: Model, images: Tensor, targets: [Int], draws: Int = 8, seed: UInt64 = 0
    ) throws -> [Float] {
        let fixed = try model.needsFixedInputSize()
        var sums = [Float](repeating: 0, count: targets.count)
        try Autograd.noGrad {
            for d in 0..<draws {
                var x = try Transform.apply(Transform.standard, to: images, stream: RandomStream(seed: seed, key: [0xC1A55, UInt64(d)]))
                if fixed || x.shape[2] < 32 {
                    x = try x.resizedBilinear(height: model.preset.inputSize, width: model.preset.inputSize)
                }
                let p = try model.logits(x).softmax().scalars
                let k = p.count / targets.count
                for (i, t) in targets.enumerated() { sums[i] += p[i * k + t] }
            }
        }
        return sums.map { $0 / Float(draws) }
    }
}
