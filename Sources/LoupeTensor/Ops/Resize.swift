/// One output coordinate's two source taps along an axis.
struct LinearTap {
    let i0: Int, i1: Int
    let w0: Float, w1: Float

    /// PyTorch's `align_corners=False` rule: output pixel i samples source coordinate
    /// (i + 0.5)·(inSize/outSize) − 0.5, clamped at 0 below; the upper tap is clamped to
    /// the last pixel. Pixel centers (not corners) line up, so up- and down-sampling
    /// keep the image centered.
    static func table(from inSize: Int, to outSize: Int) -> [LinearTap] {
        let scale = Float(inSize) / Float(outSize)
        return (0..<outSize).map { i in
            let src = Swift.max((Float(i) + 0.5) * scale - 0.5, 0)
            let i0 = Swift.min(Int(src), inSize - 1)
            let i1 = i0 < inSize - 1 ? i0 + 1 : i0
            let l1 = src - Float(i0)
            return LinearTap(i0: i0, i1: i1, w0: 1 - l1, w1: l1)
        }
    }
}

extension Tensor {
    /// Bilinear resize of the last two axes (H, W of NCHW) to `height`×`width`, exactly as
    /// PyTorch's `F.interpolate(mode="bilinear", align_corners=False)` without antialiasing:
    /// downsampling reads only the two nearest source pixels per axis, it does not average.
    /// The op is linear in the input; its gradient scatters each output gradient back
    /// onto the same four source pixels with the same weights.
    public func resizedBilinear(height: Int, width: Int) throws -> Tensor {
        let planes = try ImagePlanes(shape, op: "resizedBilinear")
        guard height > 0, width > 0 else {
            throw TensorError.invalidArgument(
                op: "resizedBilinear", "target size \(height)×\(width) must be positive (input \(shape))")
        }
        let (h, w) = (planes.height, planes.width)
        let rows = LinearTap.table(from: h, to: height), cols = LinearTap.table(from: w, to: width)
        let out = planes.map(self, into: ImagePlanes.replacing(shape, height: height, width: width)) { src, dst in
            for (y, r) in rows.enumerated() {
                let top = src + r.i0 * w, bottom = src + r.i1 * w
                for (x, t) in cols.enumerated() {
                    let upper = t.w0 * top[t.i0] + t.w1 * top[t.i1]
                    let lower = t.w0 * bottom[t.i0] + t.w1 * bottom[t.i1]
                    dst[y * width + x] = r.w0 * upper + r.w1 * lower
                }
            }
        }
        let inShape = shape
        return Tensor.record("resizedBilinear", out, inputs: [self]) { g, _ in
            // Scatter-add stays inside one plane, so planes can run in parallel.
            [planes.map(g, into: inShape) { src, dst in
                for (y, r) in rows.enumerated() {
                    let top = dst + r.i0 * w, bottom = dst + r.i1 * w
                    for (x, t) in cols.enumerated() {
                        let gy = src[y * width + x]
                        let (gt, gb) = (r.w0 * gy, r.w1 * gy)
                        top[t.i0] += t.w0 * gt
                        top[t.i1] += t.w1 * gt
                        bottom[t.i0] += t.w0 * gb
                        bottom[t.i1] += t.w1 * gb
                    }
                }
            }]
        }
    }
}
