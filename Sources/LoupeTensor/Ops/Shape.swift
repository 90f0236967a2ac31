extension Tensor {
    /// Same scalars, new shape; one dimension may be -1 and is inferred.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var target = newShape
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        guard inferred.count <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.invalidArgument(op: "reshape", "invalid target shape \(newShape)")
        }
        if let i = inferred.first {
            let known = newShape.filter { $0 != -1 }.reduce(1, *)
            guard known > 0, count % known == 0 else { throw TensorError.shapeMismatch(op: "reshape", shape, newShape) }
            target[i] = count / known
        }
        guard target.reduce(1, *) == count else { throw TensorError.shapeMismatch(op: "reshape", shape, newShape) }
        let inShape = shape
        return Tensor.record("reshape", viewed(as: target), inputs: [self]) { g, _ in [g.viewed(as: inShape)] }
    }

    /// Flattens every axis from `start` on into one.
    public func flattened(from start: Int = 1) throws -> Tensor {
        let s = try resolveAxis(start, op: "flatten")
        return try reshaped(Array(shape[..<s]) + [shape[s...].reduce(1, *)])
    }

    /// Reorders axes: result axis i is input axis `order[i]`.
    public func permuted(_ order: [Int]) throws -> Tensor {
        guard order.sorted() == Array(0..<rank) else {
            throw TensorError.invalidArgument(op: "permute", "\(order) is not a permutation of the \(rank) axes of \(shape)")
        }
        let y = permuteKernel(order)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, o) in order.enumerated() { inverse[o] = i }
        return Tensor.record("permute", y, inputs: [self]) { g, _ in [g.permuteKernel(inverse)] }
    }

    /// Swaps two axes (the last two by default: a matrix transpose).
    public func transposed(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
        let (x, y) = (try resolveAxis(a, op: "transpose"), try resolveAxis(b, op: "transpose"))
        var order = Array(0..<rank)
        order.swapAt(x, y)
        return try permuted(order)
    }

    func permuteKernel(_ order: [Int]) -> Tensor {
        let outShape = order.map { shape[$0] }
        let inStrides = strides
        let gathered = order.map { inStrides[$0] }
        var out = Tensor(zeros: outShape)
        let p = pointer, o = out.mutablePointer
        Broadcast.forEachIndex(out: outShape, aStrides: gathered, bStrides: gathered) { i, src, _ in o[i] = p[src] }
        return out
    }

    /// Elements `start..<start+length` along `axis` (PyTorch's narrow).
    public func narrowed(axis: Int, start: Int, length: Int) throws -> Tensor {
        let ax = try self.resolveAxis(axis, op: "narrow")
        guard start >= 0, length >= 0, start + length <= shape[ax] else {
            throw TensorError.invalidArgument(
                op: "narrow", "range \(start)..<\(start + length) is outside axis \(axis) of size \(shape[ax]) in \(shape)")
        }
        let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
        var outShape = shape
        outShape[ax] = length
        var out = Tensor(zeros: outShape)
        let p = pointer, o = out.mutablePointer
        for a in 0..<outer {
            (o + a * length * inner).update(from: p + (a * n + start) * inner, count: length * inner)
        }
        let inShape = shape
        return Tensor.record("narrow", out, inputs: [self]) { g, _ in
            var dx = Tensor(zeros: inShape)
            let pg = g.pointer, pd = dx.mutablePointer
            for a in 0..<outer {
                (pd + (a * n + start) * inner).update(from: pg + a * length * inner, count: length * inner)
            }
            return [dx]
        }
    }

    /// Joins tensors along an existing axis; all other dimensions must agree.
    public static func concat(_ parts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = parts.first else { throw TensorError.invalidArgument(op: "concat", "no tensors given") }
        let ax = try first.resolveAxis(axis, op: "concat")
        for p in parts where p.rank != first.rank || (0..<first.rank).contains(where: { $0 != ax && p.shape[$0] != first.shape[$0] }) {
            throw TensorError.shapeMismatch(op: "concat", first.shape, p.shape)
        }
        let outer = first.shape[..<ax].reduce(1, *), inner = first.shape[(ax + 1)...].reduce(1, *)
        let sizes = parts.map { $0.shape[ax] }
        let total = sizes.reduce(0, +)
        var outShape = first.shape
        outShape[ax] = total
        var out = Tensor(zeros: outShape)
        let o = out.mutablePointer
        var offset = 0
        for (part, n) in zip(parts, sizes) {
            let p = part.pointer
            for a in 0..<outer {
                (o + (a * total + offset) * inner).update(from: p + a * n * inner, count: n * inner)
            }
            offset += n
        }
        let starts = sizes.indices.map { sizes[..<$0].reduce(0, +) }
        return record("concat", out, inputs: parts) { g, ctx in
            try parts.indices.map { i in
                ctx.needs[i] ? try g.detached.narrowed(axis: ax, start: starts[i], length: sizes[i]) : nil
            }
        }
    }

    /// Joins equal-shaped tensors along a new axis.
    public static func stack(_ parts: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = parts.first else { throw TensorError.invalidArgument(op: "stack", "no tensors given") }
        let ax = axis < 0 ? axis + first.rank + 1 : axis
        guard ax >= 0 && ax <= first.rank else {
            throw TensorError.invalidArgument(op: "stack", "axis \(axis) is out of range for shape \(first.shape)")
        }
        for p in parts where p.shape != first.shape { throw TensorError.shapeMismatch(op: "stack", first.shape, p.shape) }
        var unsqueezed = first.shape
        unsqueezed.insert(1, at: ax)
        return try concat(parts.map { try $0.reshaped(unsqueezed) }, axis: ax)
    }

    public enum PadMode: String, Sendable { case constant, reflect }

    /// Pads the last two axes (H, W of NCHW) by (top, bottom, left, right).
    /// `reflect` mirrors without repeating the edge, as PyTorch's ReflectionPad2d.
    public func padded(
        top: Int, bottom: Int, left: Int, right: Int, mode: PadMode = .constant, value: Float = 0
    ) throws -> Tensor {
        guard rank >= 2, [top, bottom, left, right].allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "pad", "needs rank ≥ 2 and non-negative padding, got \(shape)")
        }
        let h = shape[rank - 2], w = shape[rank - 1]
        if mode == .reflect {
            guard top < h, bottom < h, left < w, right < w else {
                throw TensorError.invalidArgument(op: "pad", "reflect padding must be smaller than the input \(h)×\(w)")
            }
        }
        let oh = h + top + bottom, ow = w + left + right
        let planes = count / Swift.max(h * w, 1)
        // Source index for each output row/column, or -1 for constant fill.
        func source(_ i: Int, _ before: Int, _ n: Int) -> Int {
            let j = i - before
            if j >= 0 && j < n { return j }
            if mode == .constant { return -1 }
            return j < 0 ? -j : 2 * (n - 1) - j
        }
        let rows = (0..<oh).map { source($0, top, h) }, cols = (0..<ow).map { source($0, left, w) }
        var outShape = shape
        outShape[rank - 2] = oh
        outShape[rank - 1] = ow
        var out = Tensor(zeros: outShape)
        let p = pointer, o = out.mutablePointer
        for c in 0..<planes {
            for y in 0..<oh {
                for x in 0..<ow {
                    let (sy, sx) = (rows[y], cols[x])
                    o[(c * oh + y) * ow + x] = sy < 0 || sx < 0 ? value : p[(c * h + sy) * w + sx]
                }
            }
        }
        let inShape = shape
        return Tensor.record("pad", out, inputs: [self]) { g, _ in
            var dx = Tensor(zeros: inShape)
            let pg = g.pointer, pd = dx.mutablePointer
            for c in 0..<planes {
                for y in 0..<oh where rows[y] >= 0 {
                    for x in 0..<ow where cols[x] >= 0 { pd[(c * h + rows[y]) * w + cols[x]] += pg[(c * oh + y) * ow + x] }
                }
            }
            return [dx]
        }
    }
}
