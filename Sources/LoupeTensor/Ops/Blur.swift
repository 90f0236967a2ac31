import Foundation

extension Tensor {
    /// Per-plane 3×3 smoothing of the last two axes with the kernel
    /// [[1, 2, 1], [2, 4, 2], [1, 2, 1]] / 16 (the outer product of [1, 2, 1] / 4).
    ///
    /// Edges: each output is divided by the kernel weight that falls inside the image
    /// (Lucid's `conv(x) / conv(ones)`), so a constant image stays exactly constant and
    /// the border is neither darkened (zero padding) nor mirrored. The op is linear; its
    /// gradient is the transposed filter, which differs from the forward one at the edges.
    public func blur3x3() throws -> Tensor {
        try separableBlur(taps: [1, 2, 1], op: "blur3x3")
    }

    /// Per-plane Gaussian blur of the last two axes, separable (rows then columns), with
    /// taps exp(−k²/2σ²) for |k| ≤ `radius` (default ⌈3σ⌉, at least 1) and the same edge
    /// rule as `blur3x3`: normalized by the weight that falls inside the image.
    public func gaussianBlur(sigma: Float, radius: Int? = nil) throws -> Tensor {
        let planes = try ImagePlanes(shape, op: "gaussianBlur")
        // Taps farther than the image is long never land inside it, so cap the radius
        // there: a huge sigma or radius costs nothing and cannot overflow.
        let reach = Swift.max(planes.height, planes.width) - 1
        let r = try Tensor.gaussianRadius(sigma: sigma, radius: radius, op: "gaussianBlur")
        return try separableBlur(taps: try Tensor.gaussianKernel(sigma: sigma, radius: Swift.min(r, reach)),
                                 op: "gaussianBlur")
    }

    /// The normalized 1-D Gaussian taps (length 2·radius + 1, summing to 1) that
    /// `gaussianBlur` uses along each axis away from the edges.
    public static func gaussianKernel(sigma: Float, radius: Int? = nil) throws -> [Float] {
        let r = try gaussianRadius(sigma: sigma, radius: radius, op: "gaussianKernel")
        let twoVar: Double = 2 * Double(sigma) * Double(sigma)
        let raw: [Double] = (-r...r).map { (k: Int) -> Double in
            let d2: Double = Double(k * k)
            return Foundation.exp(-(d2 / twoVar))
        }
        let total = raw.reduce(0, +)
        return raw.map { Float($0 / total) }
    }

    private static func gaussianRadius(sigma: Float, radius: Int?, op: String) throws -> Int {
        guard sigma.isFinite, sigma > 0 else {
            throw TensorError.invalidArgument(op: op, "sigma must be positive and finite, got \(sigma)")
        }
        if let radius {
            guard radius >= 0, radius <= 1 << 20 else {
                throw TensorError.invalidArgument(op: op, "radius must be in 0...\(1 << 20), got \(radius)")
            }
            return radius
        }
        return Int(Swift.min(Swift.max(1, (3 * Double(sigma)).rounded(.up)), Double(1 << 20)))
    }

    private func separableBlur(taps: [Float], op: String) throws -> Tensor {
        let planes = try ImagePlanes(shape, op: op)
        let rows = BandMatrix(n: planes.height, taps: taps), cols = BandMatrix(n: planes.width, taps: taps)
        let y = bandFiltered(planes, rows: rows, cols: cols, transpose: false)
        return Tensor.record(op, y, inputs: [self]) { g, _ in
            [g.bandFiltered(planes, rows: rows, cols: cols, transpose: true)]
        }
    }
}
