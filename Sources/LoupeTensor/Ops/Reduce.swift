extension Tensor {
    /// Sum of every element: a scalar of shape [].
    public func sum() -> Tensor {
        var total: Double = 0
        let p = pointer
        for i in 0..<count { total += Double(p[i]) }
        let shape = self.shape
        return Tensor.record("sum", Tensor(Float(total)), inputs: [self]) { g, _ in
            [try Tensor.full(shape, g.pointer[0])]
        }
    }

    public func mean() -> Tensor {
        sum() * (1 / Float(Swift.max(count, 1)))
    }

    /// Sums over `axes`, keeping them as size-1 dimensions when `keepDims`.
    public func sum(axes: [Int], keepDims: Bool = false) throws -> Tensor {
        let resolved = Set(try axes.map { try resolveAxis($0, op: "sum") })
        let kept = shape.enumerated().map { resolved.contains($0.offset) ? 1 : $0.element }
        var out = Tensor(zeros: kept)
        let ks = Broadcast.strides(kept, in: shape)
        let p = pointer, o = out.mutablePointer
        Broadcast.forEachIndex(out: shape, aStrides: ks, bStrides: ks) { i, io, _ in o[io] += p[i] }
        let finalShape = keepDims ? kept : shape.enumerated().filter { !resolved.contains($0.offset) }.map(\.element)
        let result = out.viewed(as: finalShape)
        let inShape = shape
        return Tensor.record("sum(axes)", result, inputs: [self]) { g, _ in
            // Broadcast the gradient back over the summed axes.
            [try Tensor.zipBroadcast(g.viewed(as: kept), Tensor(zeros: inShape), op: "sum backward") { a, _ in a }]
        }
    }

    public func mean(axes: [Int], keepDims: Bool = false) throws -> Tensor {
        let resolved = try axes.map { try resolveAxis($0, op: "mean") }
        let n = Set(resolved).reduce(1) { $0 * shape[$1] }
        return try sum(axes: axes, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Maximum along `axis` and the index where it occurs (the first one on ties).
    /// The gradient flows only to that index.
    public func max(axis: Int, keepDims: Bool = false) throws -> (values: Tensor, indices: [Int]) {
        let ax = try resolveAxis(axis, op: "max")
        guard shape[ax] > 0 else { throw TensorError.invalidArgument(op: "max", "axis \(axis) has size 0") }
        let outer = shape[..<ax].reduce(1, *), n = shape[ax], inner = shape[(ax + 1)...].reduce(1, *)
        var kept = shape
        kept[ax] = 1
        var out = Tensor(zeros: kept)
        var indices = [Int](repeating: 0, count: outer * inner)
        let p = pointer, o = out.mutablePointer
        for a in 0..<outer {
            for c in 0..<inner {
                var best = p[a * n * inner + c], bestJ = 0
                for j in 1..<n where p[(a * n + j) * inner + c] > best {
                    best = p[(a * n + j) * inner + c]
                    bestJ = j
                }
                o[a * inner + c] = best
                indices[a * inner + c] = bestJ
            }
        }
        var finalShape = shape
        if keepDims { finalShape[ax] = 1 } else { finalShape.remove(at: ax) }
        let inShape = shape
        let values = Tensor.record("max(axis)", out.viewed(as: finalShape), inputs: [self]) { g, _ in
            var dx = Tensor(zeros: inShape)
            let pg = g.pointer, pd = dx.mutablePointer
            for a in 0..<outer {
                for c in 0..<inner { pd[(a * n + indices[a * inner + c]) * inner + c] = pg[a * inner + c] }
            }
            return [dx]
        }
        return (values, indices)
    }

    /// Index of the largest element along the last axis, per row.
    public func argmax() throws -> [Int] {
        guard rank >= 1 else { throw TensorError.invalidArgument(op: "argmax", "scalar has no axis") }
        return try Autograd.noGrad { try max(axis: -1).indices }
    }
}
