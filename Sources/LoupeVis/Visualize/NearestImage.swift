import LoupeData
import LoupeTensor

/// The training image nearest a picture in L2 (pixels in [0, 1]): how far a prototype
/// is from copying the data. ‖p − x‖² = ‖p‖² + ‖x‖² − 2·p·x, the cross terms for a chunk
/// of the data set in one GEMM; the winner's distance is then recomputed directly, since
/// the expansion loses digits when the two images are close.
public enum NearestImage {
    public struct Match: Codable, Sendable, Equatable {
        /// Index in the searched data set, and the L2 distance to it.
        public var index: Int
        public var distance: Float
    }

    /// For each of `pictures` [K, C, H, W], its nearest image of `data` (same C, H, W).
    public static func search(_ pictures: Tensor, in data: LabeledImages, chunk: Int = 4096) throws -> [Match] {
        let (k, dims) = (pictures.shape[0], data.channels * data.height * data.width)
        guard data.count > 0 else { throw VisError.invalid("\(data.source): no images to compare with") }
        guard pictures.count == k * dims else {
            throw VisError.invalid("pictures \(pictures.shape) do not match the \(data.channels)×\(data.height)×\(data.width) images of \(data.source)")
        }
        let p = try pictures.detached.reshaped([k, dims])
        let pNorms = try (p * p).sum(axes: [1]).scalars
        var best = [(index: Int, squared: Float)](repeating: (0, .infinity), count: k)
        var start = 0
        while start < data.count {
            let indices = Array(start..<min(start + chunk, data.count))
            let x = try data.batch(indices).images.reshaped([indices.count, dims])
            let xNorms = try (x * x).sum(axes: [1]).scalars
            let cross = try p.linear(weight: x).scalars  // [K, chunk]
            for i in 0..<k {
                for (j, n) in xNorms.enumerated() {
                    let d = pNorms[i] + n - 2 * cross[i * indices.count + j]
                    if d < best[i].squared { best[i] = (indices[j], d) }
                }
            }
            start += chunk
        }
        let flat = p.scalars
        return try best.enumerated().map { i, b in
            let x = try data.batch([b.index]).images.scalars
            var sum = 0.0
            for d in 0..<dims { let v = Double(flat[i * dims + d]) - Double(x[d]); sum += v * v }
            return Match(index: b.index, distance: Float(sum.squareRoot()))
        }
    }
}
