/// The image ops (resize, warp, roll, blur, FFT) act on the last two axes and treat
/// every leading index (batch, channel, …) as an independent plane, so NCHW, CHW and
/// plain HW tensors all work the same way.
struct ImagePlanes {
    /// Number of planes: the product of every axis before the last two.
    let count: Int
    let height: Int
    let width: Int

    init(_ shape: [Int], op: String, trailing: Int = 0) throws {
        let rank = shape.count - trailing
        guard rank >= 2 else {
            throw TensorError.invalidArgument(
                op: op, "needs at least \(2 + trailing) axes (…, H, W\(trailing > 0 ? ", …" : "")), got shape \(shape)")
        }
        height = shape[rank - 2]
        width = shape[rank - 1]
        count = shape[..<(rank - 2)].reduce(1, *)
        guard height > 0, width > 0 else {
            throw TensorError.invalidArgument(op: op, "needs a non-empty image, got shape \(shape)")
        }
    }

    var area: Int { height * width }

    /// `shape` with its H and W axes (just before `trailing` axes) replaced.
    static func replacing(_ shape: [Int], height: Int, width: Int, trailing: Int = 0) -> [Int] {
        var s = shape
        s[s.count - trailing - 2] = height
        s[s.count - trailing - 1] = width
        return s
    }

    /// A zero tensor of `shape` (these planes at their own size) in which `body(src, dst)`
    /// writes plane c from plane c of `source`. Planes run in parallel, so `body` must
    /// stay inside the two planes it is given.
    func map(
        _ source: Tensor, into shape: [Int], _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void
    ) -> Tensor {
        var out = Tensor(zeros: shape)
        let from = source.count / Swift.max(count, 1), to = out.count / Swift.max(count, 1)
        let p = source.pointer, o = out.mutablePointer
        Parallel.forEach(count) { c in body(p + c * from, o + c * to) }
        return out
    }
}
