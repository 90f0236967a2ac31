import LoupeNN
import LoupeTensor

/// Settings of the attribution methods; defaults follow the papers.
public struct AttributionSettings: Sendable {
    /// SmoothGrad: noisy samples and noise σ as a fraction of the input's range (0.15).
    public var samples = 50
    public var sigma: Float = 0.15
    /// Integrated Gradients: intervals of the path integral (trapezoidal rule, so
    /// steps + 1 gradient evaluations) and the baseline.
    public var steps = 64
    public var baseline = Baseline.black
    /// Place IG's steps where the path needs them (see `integratedGradients`); false
    /// gives the uniform grid of the paper.
    public var adaptiveSteps = true
    /// Grad-CAM's layer; nil picks the last layer with a spatial map.
    public var layer: String?
    /// Occlusion: square patch side, stride and what fills the patch, in pixels.
    public var patch = 32
    public var stride = 16
    public var fill = Baseline.gray
    /// Images per forward/backward pass when a method needs many.
    public var batchSize = 8
    public var seed: UInt64 = 0
    public init() {}
}

/// A reference image: a constant (black, gray, white) or the image blurred.
public enum Baseline: Sendable, Equatable {
    case constant(Float)
    case blur(sigma: Float)

    public static let black = Baseline.constant(0)
    public static let gray = Baseline.constant(0.5)
    public static let white = Baseline.constant(1)

    /// "black", "gray", "white", a number in [0, 1], or "blur" / "blur:SIGMA".
    public static func parse(_ text: String) throws -> Baseline {
        switch text.lowercased() {
        case "black": return .black
        case "gray", "grey": return .gray
        case "white": return .white
        case "blur": return .blur(sigma: 8)
        default:
            if text.lowercased().hasPrefix("blur:"), let s = Float(text.dropFirst(5)), s > 0 { return .blur(sigma: s) }
            if let v = Float(text), v >= 0, v <= 1 { return .constant(v) }
            throw VisError.invalid("unknown baseline '\(text)': use black, gray, white, a value in [0, 1], or blur[:SIGMA]")
        }
    }

    public var description: String {
        switch self {
        case let .constant(v): return v == 0 ? "black" : v == 0.5 ? "gray" : v == 1 ? "white" : "\(v)"
        case let .blur(s): return "blur:\(s)"
        }
    }

    /// The baseline image for `image` ([1, C, H, W]).
    public func image(like image: Tensor) throws -> Tensor {
        switch self {
        case let .constant(v): return try Tensor.full(image.shape, v)
        case let .blur(s): return try Autograd.noGrad { try image.gaussianBlur(sigma: s) }
        }
    }
}

/// Attribution of a class score to input pixels. The score is the target's
/// pre-softmax logit throughout, so methods are comparable and IG's completeness
/// holds exactly for it.
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

    /// Runs one method on one image [1, C, H, W] for class `target`.
    public func attribute(_ image: Tensor, target: Int, method: AttributionMethod) throws -> AttributionMap {
        try checkImage(image)
        switch method {
        case .saliency: return try saliency(image, target: target)
        case .gradxinput: return try gradientTimesInput(image, target: target)
        case .smoothgrad: return try smoothGrad(image, target: target)
        case .ig: return try integratedGradients(image, target: target)
        case .gradcam: return try gradCAM(image, target: target, plusPlus: false)
        case .gradcampp: return try gradCAM(image, target: target, plusPlus: true)
        case .occlusion: return try occlusion(image, target: target)
        case .guided: return try ruleGradient(image, target: target, rule: .guided)
        case .deconvnet: return try ruleGradient(image, target: target, rule: .deconvnet)
        }
    }

    /// Gradient saliency: max over channels of |∂score/∂x|.
    public func saliency(_ image: Tensor, target: Int) throws -> AttributionMap {
        var map = try ruleGradient(image, target: target, rule: .gradient)
        map.method = AttributionMethod.saliency.rawValue
        return map
    }

    /// The score's input gradient under a ReLU rule, as a max-|·| map.
    public func ruleGradient(_ image: Tensor, target: Int, rule: ReLURule) throws -> AttributionMap {
        try checkImage(image)
        let (g, scores) = try gradients(image, target: target, rule: rule)
        let method: AttributionMethod = rule == .gradient ? .saliency : rule == .guided ? .guided : .deconvnet
        return try map(method, g, .maxAbs, target: target, score: scores[0])
    }

    /// Gradient × (input − black): the first-order Taylor term of the score's change
    /// from a black image, summed over channels (signed).
    public func gradientTimesInput(_ image: Tensor, target: Int) throws -> AttributionMap {
        try checkImage(image)
        let (g, scores) = try gradients(image, target: target)
        return try map(.gradxinput, try Autograd.noGrad { try g * image }, .sum, target: target, score: scores[0])
    }

    /// SmoothGrad: the gradient averaged over `samples` copies of the image with
    /// Gaussian noise of σ = sigma × (max − min of the image); max-|·| map.
    public func smoothGrad(_ image: Tensor, target: Int) throws -> AttributionMap {
        try checkImage(image)
        guard settings.samples >= 1 else { throw VisError.invalid("SmoothGrad needs at least 1 sample") }
        guard settings.sigma >= 0 else { throw VisError.invalid("SmoothGrad σ must not be negative") }
        let values = image.scalars
        let range = (values.max() ?? 1) - (values.min() ?? 0)
        let std = settings.sigma * (range > 0 ? range : 1)
        let stream = RandomStream(seed: settings.seed, key: [0x5300, UInt64(target)])
        var sum = Tensor.zeros(like: image)
        var start = 0
        while start < settings.samples {
            let len = Swift.min(settings.batchSize, settings.samples - start)
            // Each sample's noise is keyed by its own index, so the result does not
            // depend on the batch size.
            let noisy = try Tensor.concat((start..<(start + len)).map { s in
                try image + Tensor.randomNormal(image.shape, std: std, stream: stream.derived(UInt64(s)))
            }, axis: 0)
            let (g, _) = try gradients(noisy, target: target)
            sum = try Autograd.noGrad { try sum + g.sum(axes: [0], keepDims: true) }
            start += len
        }
        let mean = sum * (1 / Float(settings.samples))
        var result = try map(.smoothgrad, mean, .maxAbs, target: target, score: nil)
        result.figures["samples"] = Double(settings.samples)
        result.figures["sigma"] = Double(settings.sigma)
        return result
    }

    /// Integrated Gradients along the straight path from the baseline x′ to x:
    /// (x − x′) · ∫₀¹ ∂F(x′ + α(x − x′))/∂x dα by the trapezoidal rule over `steps`
    /// intervals (steps + 1 gradient evaluations). Completeness says Σ IG = F(x) − F(x′);
    /// the relative gap is reported as `completeness_error` and measures how well the
    /// integral was resolved.
    ///
    /// With `adaptiveSteps` (the default) the grid starts uniform with a quarter of the
    /// intervals and then subdivides, a batch of points at a time, the intervals whose
    /// trapezoid misses the score's actual change F(α_{k+1}) − F(α_k) the most: the
    /// scores come with every gradient, so the error estimate costs nothing. Real paths are far from
    /// uniform: from a black baseline most of a photo's logit appears within a few
    /// percent of the path, where a uniform grid of 64 steps misses ~10% of it.
    public func integratedGradients(_ image: Tensor, target: Int) throws -> AttributionMap {
        try checkImage(image)
        let m = settings.steps
        guard m >= 1 else { throw VisError.invalid("Integrated Gradients needs at least 1 step") }
        let baseline = try settings.baseline.image(like: image)
        let delta = try image - baseline
        let deltaValues = delta.scalars

        // Gradients, scores and path derivatives f = ∇F·(x − x′) at each evaluated α.
        var grads: [Double: Tensor] = [:], scores: [Double: Float] = [:], slope: [Double: Double] = [:]
        func evaluate(_ alphas: [Double]) throws {
            var start = 0
            while start < alphas.count {
                let chunk = Array(alphas[start..<Swift.min(start + settings.batchSize, alphas.count)])
                let points = try Tensor.concat(chunk.map { try baseline + delta * Float($0) }, axis: 0)
                let (g, s) = try gradients(points, target: target)
                for (i, a) in chunk.enumerated() {
                    let gi = try g.narrowed(axis: 0, start: i, length: 1)
                    grads[a] = gi
                    scores[a] = s[i]
                    slope[a] = gi.withScalars { p in
                        var d = 0.0
                        for j in 0..<deltaValues.count { d += Double(p[j]) * Double(deltaValues[j]) }
                        return d
                    }
                }
                start += chunk.count
            }
        }

        let initial = settings.adaptiveSteps ? Swift.max(1, Swift.min(m, (m + 3) / 4)) : m
        var grid = (0...initial).map { Double($0) / Double(initial) }
        try evaluate(grid)
        while grid.count - 1 < m {
            // Trapezoid error of each interval against the exact change of the score.
            let errors = (0..<(grid.count - 1)).map { k -> Double in
                let (a, b) = (grid[k], grid[k + 1])
                let trapezoid = (b - a) / 2 * ((slope[a] ?? 0) + (slope[b] ?? 0))
                return Swift.abs(trapezoid - Double((scores[b] ?? 0) - (scores[a] ?? 0)))
            }
            // Share this round's points out greedily: an interval cut into n pieces has
            // its error bound divided by about n, so the next point goes where e/n is largest.
            // Rounds of a fixed size (not the batch size) keep the grid, and so the result,
            // independent of how the points are batched.
            let budget = Swift.min(Self.pointsPerRound, m - (grid.count - 1))
            var pieces = [Int](repeating: 1, count: errors.count)
            for _ in 0..<budget {
                var best = 0
                for k in errors.indices where errors[k] / Double(pieces[k]) > errors[best] / Double(pieces[best]) { best = k }
                pieces[best] += 1
            }
            let added = errors.indices.flatMap { k in
                (1..<pieces[k]).map { j in grid[k] + (grid[k + 1] - grid[k]) * Double(j) / Double(pieces[k]) }
            }
            try evaluate(added)
            grid = (grid + added).sorted()
        }

        // Trapezoid weights on the final grid: each point gets half of each neighbouring interval.
        var total = Tensor.zeros(like: image)
        try Autograd.noGrad {
            for (k, a) in grid.enumerated() {
                let left = k > 0 ? a - grid[k - 1] : 0, right = k < grid.count - 1 ? grid[k + 1] - a : 0
                guard let g = grads[a] else { continue }
                total = try total + g * Float((left + right) / 2)
            }
        }
        let ig = try Autograd.noGrad { try total * delta }
        let sum = ig.scalars.reduce(0.0) { $0 + Double($1) }
        let (f0, f1) = (scores[0] ?? 0, scores[1] ?? 0)
        let gap = Double(f1) - Double(f0)
        var result = try map(.ig, ig, .sum, target: target, score: f1)
        result.figures["baseline_score"] = Double(f0)
        result.figures["attribution_sum"] = sum
        result.figures["score_difference"] = gap
        result.figures["completeness_error"] = Swift.abs(sum - gap) / Swift.max(Swift.abs(gap), 1e-12)
        result.figures["steps"] = Double(m)
        result.figures["smallest_step"] = zip(grid.dropFirst(), grid).map { $0 - $1 }.min() ?? 1
        return result
    }

    /// New IG points per refinement round.
    static let pointsPerRound = 8

    func map(_ method: AttributionMethod, _ perChannel: Tensor, _ reduction: AttributionMap.Reduction,
             target: Int, score: Float?) throws -> AttributionMap {
        let single = try perChannel.reshaped(Array(perChannel.shape.dropFirst()))
        let (values, w, h) = try AttributionMap.reduce(single, reduction)
        var result = AttributionMap(method: method.rawValue, values: values, width: w, height: h,
                                    signed: method.signed, perChannel: single, target: target)
        if let score { result.figures["score"] = Double(score) }
        return result
    }

    func checkImage(_ image: Tensor) throws {
        guard image.rank == 4, image.shape[0] == 1, image.shape[1] == model.preset.channels else {
            throw VisError.invalid("attribution expects one image [1, \(model.preset.channels), H, W], got \(image.shape)")
        }
    }

    func checkTarget(_ target: Int) throws {
        let classes = model.preset.labels.count
        guard target >= 0, classes == 0 || target < classes else {
            throw VisError.invalid("target class \(target) is outside 0..<\(classes) of \(model.name)")
        }
    }
}
