/// NumPy broadcasting: shapes align from the right and a dimension of 1 stretches.
enum Broadcast {
    static func shape(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else { throw TensorError.shapeMismatch(op: op, a, b) }
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Strides of `shape` viewed in the broadcast `out` shape: 0 along stretched axes.
    static func strides(_ shape: [Int], in out: [Int]) -> [Int] {
        let own = Tensor.strides(of: shape)
        let offset = out.count - shape.count
        return (0..<out.count).map { i in
            i < offset || shape[i - offset] == 1 ? 0 : own[i - offset]
        }
    }

    /// When `small` broadcast to `big` is `small` repeated whole (it equals a suffix of
    /// `big` after dropping leading 1s), the length of that repeated block.
    static func repeatedBlock(_ small: [Int], in big: [Int]) -> Int? {
        let trimmed = small.drop { $0 == 1 }
        guard trimmed.count <= big.count, big.suffix(trimmed.count).elementsEqual(trimmed) else { return nil }
        let block = trimmed.reduce(1, *)
        return block > 0 ? block : nil
    }

    /// Visits every element of `out`, passing the flat indices into a and b.
    /// The innermost axis runs as a tight loop with constant strides.
    @inline(__always)
    static func forEachIndex(
        out: [Int], aStrides: [Int], bStrides: [Int], _ body: (_ o: Int, _ ia: Int, _ ib: Int) -> Void
    ) {
        let total = out.reduce(1, *)
        guard total > 0 else { return }
        let rank = out.count
        if rank == 0 { body(0, 0, 0); return }
        let inner = out[rank - 1], sa = aStrides[rank - 1], sb = bStrides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var o = 0
        while o < total {
            var ia = 0, ib = 0
            for d in 0..<(rank - 1) { ia += index[d] * aStrides[d]; ib += index[d] * bStrides[d] }
            for j in 0..<inner { body(o + j, ia + j * sa, ib + j * sb) }
            o += inner
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                if index[d] < out[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }
}

extension Tensor {
    /// Sums a broadcast gradient back down to `target` (the shape of an op's input).
    func sum(toShape target: [Int]) throws -> Tensor {
        if shape == target { return self }
        guard let full = try? Broadcast.shape(target, shape, op: "sum(toShape:)"), full == shape else {
            throw TensorError.shapeMismatch(op: "sum(toShape:)", shape, target)
        }
        var out = Tensor(zeros: target)
        if let block = Broadcast.repeatedBlock(target, in: shape) {
            // Whole repeats of the target (a spectrum scale, a per-position bias): add
            // block after block in order, the same sums as the general walk below.
            let g = pointer, o = out.mutablePointer
            for start in stride(from: 0, to: count, by: block) {
                for j in 0..<block { o[j] += g[start + j] }
            }
            return out
        }
        let ts = Broadcast.strides(target, in: shape)
        let g = pointer, o = out.mutablePointer
        Broadcast.forEachIndex(out: shape, aStrides: ts, bStrides: ts) { i, it, _ in o[it] += g[i] }
        return out
    }

    /// Applies `f` elementwise over the broadcast of two tensors (no tape).
    @inline(__always)
    static func zipBroadcast(
        _ a: Tensor, _ b: Tensor, op: String, _ f: (Float, Float) -> Float
    ) throws -> Tensor {
        let pa = a.pointer, pb = b.pointer
        if a.shape == b.shape {
            var out = Tensor(uninitialized: a.shape)
            let po = out.mutablePointer
            for i in 0..<out.count { po[i] = f(pa[i], pb[i]) }
            return out
        }
        let shape = try Broadcast.shape(a.shape, b.shape, op: op)
        var out = Tensor(uninitialized: shape)  // forEachIndex visits every element
        if shape == a.shape, let block = Broadcast.repeatedBlock(b.shape, in: shape) {
            let po = out.mutablePointer
            for start in stride(from: 0, to: out.count, by: block) {
                for j in 0..<block { po[start + j] = f(pa[start + j], pb[j]) }
            }
            return out
        }
        if shape == b.shape, let block = Broadcast.repeatedBlock(a.shape, in: shape) {
            let po = out.mutablePointer
            for start in stride(from: 0, to: out.count, by: block) {
                for j in 0..<block { po[start + j] = f(pa[j], pb[start + j]) }
            }
            return out
        }
        let sa = Broadcast.strides(a.shape, in: shape), sb = Broadcast.strides(b.shape, in: shape)
        let po = out.mutablePointer
        Broadcast.forEachIndex(out: shape, aStrides: sa, bStrides: sb) { o, ia, ib in po[o] = f(pa[ia], pb[ib]) }
        return out
    }

    /// Applies `f` to every scalar (no tape).
    @inline(__always)
    func map(_ f: (Float) -> Float) -> Tensor {
        var out = Tensor(uninitialized: shape)
        let p = pointer, o = out.mutablePointer
        for i in 0..<count { o[i] = f(p[i]) }
        return out
    }
}
