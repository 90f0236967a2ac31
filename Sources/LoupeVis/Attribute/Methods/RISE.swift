import LoupeTensor

/// RISE (Petsiuk et al. 2018, "Randomized Input Sampling for Explanation of Black-box
/// Models"): N random masks, each an s×s grid of cells kept with probability p,
/// upsampled bilinearly to (s + 1)·cell and cropped at a random shift inside one cell so
/// that the cell edges fall anywhere. The paper's saliency of a pixel is
/// Σᵢ fᵢ·Mᵢ(pixel) / (N·p), the expected score given that the pixel is seen. That is
/// mostly one constant, the mean score over the masks f̄ (a dim, uniform picture), so
/// the map is the paper's minus f̄, recorded as `mean_score`: how much seeing a pixel
/// moves the expected score, signed, and the paper's values are map + mean_score. Hidden
/// pixels show `fill`. The score is the target's logit, as for every method of this lab
/// (the paper uses the softmax probability).
public struct RISE: AttributionMethod {
    public let about = AttributionMethodInfo("rise", signed: true, "the score over random masks where each pixel was seen, less the mean (Petsiuk et al. 2018)",
        units: "E[logit | pixel shown] − E[logit] over the masks: logit units (add mean_score for the paper's values)")

    /// Petsiuk et al.'s count for ResNet-50.
    public static let defaultSamples = 4000

    public init() {}

    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        let settings = context.settings
        let n = settings.samples ?? Self.defaultSamples
        let (c, h, w) = (image.shape[1], image.shape[2], image.shape[3])
        let masks = Masks(grid: settings.maskGrid, probability: settings.maskProbability, height: h, width: w,
                          stream: RandomStream(seed: settings.seed, key: [0x815E, UInt64(target)]))
        let pixels = image.scalars, fill = try settings.fill.image(like: image).scalars
        let scores = try context.perturbedScores(image, count: n, target: target) { s, out in
            let mask = masks.mask(s)
            for ch in 0..<c {
                for k in 0..<(h * w) {
                    let i = ch * h * w + k
                    out[i] = fill[i] + mask[k] * (pixels[i] - fill[i])
                }
            }
        }
        // Masks are drawn again rather than kept (N·H·W floats); adding them up in sample
        // order keeps the sum independent of the batch size.
        var saliency = [Double](repeating: 0, count: h * w)
        for (s, score) in scores.enumerated() {
            let mask = masks.mask(s)
            for k in 0..<(h * w) { saliency[k] += Double(score) * Double(mask[k]) }
        }
        let scale = 1 / (Double(n) * Double(settings.maskProbability))
        let mean = scores.reduce(0.0) { $0 + Double($1) } / Double(n)
        var map = AttributionMap(method: name, values: saliency.map { Float($0 * scale - mean) }, width: w, height: h,
                                 signed: true, target: target)
        map.figures["score"] = Double(try context.scores(image, target: target)[0])
        map.figures["mean_score"] = mean
        map.figures["samples"] = Double(n)
        map.figures["mask_grid"] = Double(settings.maskGrid)
        map.figures["mask_probability"] = Double(settings.maskProbability)
        return map
    }

    /// The masks of one run; mask s depends on (seed, target, s) alone.
    struct Masks {
        let grid: Int, probability: Float, height: Int, width: Int
        let stream: RandomStream

        /// H·W values in [0, 1]: an s×s grid of cells kept with `probability`, upsampled
        /// bilinearly (half-pixel centres, edges held) to (s + 1)·⌈H/s⌉ × (s + 1)·⌈W/s⌉,
        /// cropped at a random offset below one cell.
        func mask(_ s: Int) -> [Float] {
            let draw = stream.derived(UInt64(s))
            let cells = grid * grid
            let kept = (0..<cells).map { draw.uniform(at: UInt64($0)) < probability ? Float(1) : 0 }
            let (cellH, cellW) = ((height + grid - 1) / grid, (width + grid - 1) / grid)
            let dy = Swift.min(Int(draw.uniform(at: UInt64(cells)) * Float(cellH)), cellH - 1)
            let dx = Swift.min(Int(draw.uniform(at: UInt64(cells + 1)) * Float(cellW)), cellW - 1)
            let rows = taps(count: height, offset: dy, upsampled: (grid + 1) * cellH)
            let columns = taps(count: width, offset: dx, upsampled: (grid + 1) * cellW)
            var out = [Float](repeating: 0, count: height * width)
            for (y, r) in rows.enumerated() {
                let (top, bottom) = (r.0 * grid, r.1 * grid)
                for (x, q) in columns.enumerated() {
                    let upper = kept[top + q.0] + (kept[top + q.1] - kept[top + q.0]) * q.2
                    let lower = kept[bottom + q.0] + (kept[bottom + q.1] - kept[bottom + q.0]) * q.2
                    out[y * width + x] = upper + (lower - upper) * r.2
                }
            }
            return out
        }

        /// For each output position along one axis, the two grid cells it lies between and
        /// the weight of the second: position (i + offset) of an axis of `upsampled` samples
        /// over `grid` cells, with half-pixel centres.
        func taps(count: Int, offset: Int, upsampled: Int) -> [(Int, Int, Float)] {
            (0..<count).map { i in
                let u = Swift.min(Swift.max((Double(i + offset) + 0.5) * Double(grid) / Double(upsampled) - 0.5, 0), Double(grid - 1))
                let lo = Int(u)
                return (lo, Swift.min(lo + 1, grid - 1), Float(u - Double(lo)))
            }
        }
    }
}
