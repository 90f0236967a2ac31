import LoupeNN
import LoupeTensor

public struct Occlusion: AttributionMethod {
    public let about = AttributionMethodInfo("occlusion", signed: true, "how much the score drops when a patch is hidden (Zeiler & Fergus 2014)",
        units: "mean drop of the logit over the patches that hid the pixel: logit units")

    public init() {}

    /// Occlusion sensitivity (Zeiler & Fergus 2014): slide a `patch`×`patch` square of
    /// `fill` over the image with `stride` and record how much the target's logit drops.
    /// Each pixel gets the mean drop over the patches that covered it (positive: hiding
    /// it hurts the class). Patch positions run from 0 in steps of `stride`, plus a last
    /// one flush with the far edge so every pixel is covered.
    public func attribute(_ image: Tensor, target: Int, context: Attributor) throws -> AttributionMap {
        try context.checkTarget(target)
        let settings = context.settings
        let (c, h, w) = (image.shape[1], image.shape[2], image.shape[3])
        let p = settings.patch, s = settings.stride
        guard p >= 1, p <= Swift.min(h, w) else {
            throw VisError.invalid("occlusion patch \(p) must be between 1 and the image side \(Swift.min(h, w))")
        }
        guard s >= 1 else { throw VisError.invalid("occlusion stride must be at least 1") }
        let fill = try settings.fill.image(like: image).scalars
        let pixels = image.scalars
        let ys = Self.positions(extent: h, patch: p, step: s), xs = Self.positions(extent: w, patch: p, step: s)
        let windows = ys.flatMap { y in xs.map { x in (y, x) } }

        let base = try context.scores(image, target: target)[0]
        var drops: [Float] = []
        var start = 0
        while start < windows.count {
            let len = Swift.min(settings.batchSize, windows.count - start)
            var batch = [Float](repeating: 0, count: len * c * h * w)
            for b in 0..<len {
                let (y0, x0) = windows[start + b]
                let offset = b * c * h * w
                for i in 0..<(c * h * w) { batch[offset + i] = pixels[i] }
                for ch in 0..<c {
                    for y in y0..<(y0 + p) {
                        for x in x0..<(x0 + p) {
                            let i = (ch * h + y) * w + x
                            batch[offset + i] = fill[i]
                        }
                    }
                }
            }
            let occluded = try Tensor(shape: [len, c, h, w], scalars: batch)
            drops += try context.scores(occluded, target: target).map { base - $0 }
            start += len
        }

        var total = [Float](repeating: 0, count: h * w), covered = [Float](repeating: 0, count: h * w)
        for ((y0, x0), drop) in zip(windows, drops) {
            for y in y0..<(y0 + p) {
                for x in x0..<(x0 + p) {
                    total[y * w + x] += drop
                    covered[y * w + x] += 1
                }
            }
        }
        let values = zip(total, covered).map { $1 > 0 ? $0 / $1 : 0 }
        var result = AttributionMap(method: name, values: values, width: w, height: h,
                                    signed: true, target: target)
        result.figures["score"] = Double(base)
        result.figures["patches"] = Double(windows.count)
        result.figures["largest_drop"] = Double(drops.max() ?? 0)
        return result
    }

    /// Top-left coordinates of patches along one axis.
    static func positions(extent: Int, patch: Int, step: Int) -> [Int] {
        var out = Array(stride(from: 0, through: extent - patch, by: step))
        if let last = out.last, last != extent - patch { out.append(extent - patch) }
        return out
    }
}
