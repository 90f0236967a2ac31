import Foundation

extension Tensor {
    /// Rotates, scales and translates the last two axes (H, W of NCHW) of every plane,
    /// sampling bilinearly; the output has the input's size.
    ///
    /// Geometry, in pixel coordinates where pixel centers sit at integers and y points
    /// down (row index): the center is c = ((W−1)/2, (H−1)/2). An input point p lands at
    /// `c + scale·R(angle)·(p − c) + (translateX, translateY)`.
    /// - `angle` is in radians; a positive angle turns the picture **counter-clockwise as
    ///   displayed** (y down), like torchvision's `rotate` and TensorFlow's
    ///   `contrib.image.rotate`. A +π/2 turn of a square image equals `np.rot90`:
    ///   out[y][x] = in[x][W−1−y].
    /// - `scale` > 1 enlarges (zooms in) about the center; the rotation is a true
    ///   rotation in pixels, so non-square images are not sheared.
    /// - `translateX`/`translateY` move content right/down by that many pixels.
    ///
    /// Each output pixel pulls from the inverse-mapped input point. Of its four bilinear
    /// neighbours, those outside the image read `fill`, so samples near the border blend
    /// toward `fill` (with fill 0 this is `grid_sample(padding_mode="zeros")`).
    /// The gradient flows to the input only; the geometry parameters are constants.
    public func affineWarp(
        angle: Float, scale: Float, translateX: Float = 0, translateY: Float = 0, fill: Float = 0
    ) throws -> Tensor {
        let planes = try ImagePlanes(shape, op: "affineWarp")
        guard [angle, scale, translateX, translateY, fill].allSatisfy(\.isFinite), scale > 0 else {
            throw TensorError.invalidArgument(
                op: "affineWarp",
                "needs finite parameters and scale > 0, got angle \(angle), scale \(scale), "
                    + "translate (\(translateX), \(translateY)), fill \(fill) for \(shape)")
        }
        let taps = WarpTaps(
            height: planes.height, width: planes.width,
            angle: angle, scale: scale, translateX: translateX, translateY: translateY)
        let (h, w) = (planes.height, planes.width)
        let out = planes.map(self, into: shape) { src, dst in
            for q in 0..<(h * w) {
                var v: Float = 0
                for k in 0..<4 {
                    let (i, wt) = taps[q, k]
                    v += wt * (i >= 0 ? src[i] : fill)
                }
                dst[q] = v
            }
        }
        let inShape = shape
        return Tensor.record("affineWarp", out, inputs: [self]) { g, _ in
            [planes.map(g, into: inShape) { src, dst in
                for q in 0..<(h * w) {
                    for k in 0..<4 {
                        let (i, wt) = taps[q, k]
                        if i >= 0 { dst[i] += wt * src[q] }
                    }
                }
            }]
        }
    }
}

/// For every output pixel, its four bilinear source taps: flat input index (−1 when the
/// tap falls outside the image and reads the fill) and weight. Shared by all planes
/// and by the backward pass, so the geometry is computed once.
struct WarpTaps {
    private var index: [Int]
    private var weight: [Float]

    init(height h: Int, width w: Int, angle: Float, scale: Float, translateX: Float, translateY: Float) {
        index = [Int](repeating: -1, count: h * w * 4)
        weight = [Float](repeating: 0, count: h * w * 4)
        // Inverse map in Double so the geometry adds no rounding of its own.
        let cx = Double(w - 1) / 2, cy = Double(h - 1) / 2
        let cosA = cos(Double(angle)) / Double(scale), sinA = sin(Double(angle)) / Double(scale)
        for y in 0..<h {
            for x in 0..<w {
                let dx = Double(x) - cx - Double(translateX), dy = Double(y) - cy - Double(translateY)
                // Inverse of the screen-space counter-clockwise rotation [[c, s], [−s, c]].
                let sx = cx + cosA * dx - sinA * dy
                let sy = cy + sinA * dx + cosA * dy
                let x0 = sx.rounded(.down), y0 = sy.rounded(.down)
                let fx = Float(sx - x0), fy = Float(sy - y0)
                let base = (y * w + x) * 4
                let ws = [(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx]
                // Far-away points (tiny scales) would overflow Int and have no inside taps.
                let near = x0 > -2 && y0 > -2 && x0 < Double(w) && y0 < Double(h)
                for k in 0..<4 {
                    weight[base + k] = ws[k]
                    guard near else { continue }
                    let ty = Int(y0) + k / 2, tx = Int(x0) + k % 2
                    if ty >= 0, ty < h, tx >= 0, tx < w { index[base + k] = ty * w + tx }
                }
            }
        }
    }

    @inline(__always)
    subscript(q: Int, k: Int) -> (Int, Float) { (index[q * 4 + k], weight[q * 4 + k]) }
}
