extension Tensor {
    /// Circular shift of the last two axes (H, W of NCHW), as `torch.roll(x, (dy, dx),
    /// dims=(-2, -1))`: the value at (y, x) moves to ((y + dy) mod H, (x + dx) mod W).
    /// Shifts of any sign and size are allowed. The gradient rolls back by (−dy, −dx).
    public func rolled(dy: Int, dx: Int) throws -> Tensor {
        let planes = try ImagePlanes(shape, op: "rolled")
        // Reduced shifts are equivalent and can be negated without overflow.
        let (dy, dx) = (dy % planes.height, dx % planes.width)
        let y = shiftKernel(planes, dy: dy, dx: dx, wrap: true, fill: 0)
        return Tensor.record("rolled", y, inputs: [self]) { g, _ in
            [g.shiftKernel(planes, dy: -dy, dx: -dx, wrap: true, fill: 0)]
        }
    }

    /// Shifts the last two axes by (dy, dx) pixels (down and right when positive) without
    /// wrapping: what moves out is dropped and what moves in is `fill`. The gradient
    /// shifts back by (−dy, −dx) with zeros where the fill came in (fill is a constant).
    public func translated(dy: Int, dx: Int, fill: Float = 0) throws -> Tensor {
        let planes = try ImagePlanes(shape, op: "translated")
        // Any shift of a full size or more empties the image; clamping keeps −dy representable.
        let dy = Swift.min(Swift.max(dy, -planes.height), planes.height)
        let dx = Swift.min(Swift.max(dx, -planes.width), planes.width)
        let y = shiftKernel(planes, dy: dy, dx: dx, wrap: false, fill: fill)
        return Tensor.record("translated", y, inputs: [self]) { g, _ in
            [g.shiftKernel(planes, dy: -dy, dx: -dx, wrap: false, fill: 0)]
        }
    }

    /// out[y][x] = in[y − dy][x − dx], wrapped or filled.
    func shiftKernel(_ planes: ImagePlanes, dy: Int, dx: Int, wrap: Bool, fill: Float) -> Tensor {
        let (h, w) = (planes.height, planes.width)
        // Source index per output row and column (−1: outside, reads the fill).
        func sources(_ n: Int, _ d: Int) -> [Int] {
            (0..<n).map { i in
                let j = i - d
                if wrap { return (j % n + n) % n }
                return j >= 0 && j < n ? j : -1
            }
        }
        let rows = sources(h, dy), cols = sources(w, dx)
        return planes.map(self, into: shape) { src, dst in
            for y in 0..<h {
                let sy = rows[y]
                for x in 0..<w {
                    let sx = cols[x]
                    dst[y * w + x] = sy < 0 || sx < 0 ? fill : src[sy * w + sx]
                }
            }
        }
    }
}
