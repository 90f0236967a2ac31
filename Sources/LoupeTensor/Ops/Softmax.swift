import Foundation

extension Tensor {
    /// Softmax along `axis` (default: the last), with the row maximum subtracted first.
    public func softmax(axis: Int = -1) throws -> Tensor {
        let ax = try resolveAxis(axis, op: "softmax")
        let y = rowwise(ax) { row, out, n, stride in
            let m = rowMax(row, n, stride)
            var total: Float = 0
            for j in 0..<n { out[j * stride] = Foundation.exp(row[j * stride] - m); total += out[j * stride] }
            for j in 0..<n { out[j * stride] /= total }
        }
        return Tensor.record("softmax", y, inputs: [self]) { g, _ in
            // dx = y ⊙ (g − Σ g·y)
            [y.rowwise(ax, with: g) { py, pg, out, n, stride in
                var dot: Float = 0
                for j in 0..<n { dot += py[j * stride] * pg[j * stride] }
                for j in 0..<n { out[j * stride] = py[j * stride] * (pg[j * stride] - dot) }
            }]
        }
    }

    /// log(softmax(x)) computed stably as x − logsumexp(x).
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        let ax = try resolveAxis(axis, op: "logSoftmax")
        let y = rowwise(ax) { row, out, n, stride in
            let m = rowMax(row, n, stride)
            var total: Float = 0
            for j in 0..<n { total += Foundation.exp(row[j * stride] - m) }
            let lse = m + Foundation.log(total)
            for j in 0..<n { out[j * stride] = row[j * stride] - lse }
        }
        return Tensor.record("log_softmax", y, inputs: [self]) { g, _ in
            // dx = g − softmax(x)·Σg
            [y.rowwise(ax, with: g) { py, pg, out, n, stride in
                var total: Float = 0
                for j in 0..<n { total += pg[j * stride] }
                for j in 0..<n { out[j * stride] = pg[j * stride] - Foundation.exp(py[j * stride]) * total }
            }]
        }
    }

    public enum Reduction: String, Sendable { case mean, sum, none }

    /// Cross-entropy of logits [N, C] against integer labels: −log softmax(x)[label].
    public func crossEntropy(labels: [Int], reduction: Reduction = .mean) throws -> Tensor {
        guard rank == 2, labels.count == shape[0] else {
            throw TensorError.invalidArgument(
                op: "crossEntropy", "expects logits [N, C] and N labels, got \(shape) and \(labels.count) labels")
        }
        let classes = shape[1]
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw TensorError.invalidArgument(op: "crossEntropy", "label \(bad) is outside 0..<\(classes)")
        }
        let logp = try logSoftmax(axis: 1)
        // Pick −log p[label] per row with a one-hot product so the tape handles the gradient.
        var oneHot = Tensor(zeros: shape)
        let po = oneHot.mutablePointer
        for (i, l) in labels.enumerated() { po[i * classes + l] = -1 }
        let perSample = try (logp * oneHot).sum(axes: [1])
        switch reduction {
        case .none: return perSample
        case .sum: return perSample.sum()
        case .mean: return perSample.mean()
        }
    }

    /// Runs `body` over every 1-D row along `axis`: (input, output, length, stride).
    func rowwise(
        _ axis: Int,
        _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    ) -> Tensor {
        let n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
        var out = Tensor(zeros: shape)
        let p = pointer, o = out.mutablePointer
        for a in 0..<outer {
            for c in 0..<inner { body(p + a * n * inner + c, o + a * n * inner + c, n, inner) }
        }
        return out
    }

    /// Same as `rowwise` over two tensors of this shape.
    func rowwise(
        _ axis: Int, with other: Tensor,
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void
    ) -> Tensor {
        let n = shape[axis], inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
        var out = Tensor(zeros: shape)
        let p = pointer, q = other.pointer, o = out.mutablePointer
        for a in 0..<outer {
            for c in 0..<inner {
                let off = a * n * inner + c
                body(p + off, q + off, o + off, n, inner)
            }
        }
        return out
    }
}

/// The largest of a row's n values, `stride` apart: softmax subtracts it before exp so
/// that no term overflows.
@inline(__always)
private func rowMax(_ row: UnsafePointer<Float>, _ n: Int, _ stride: Int) -> Float {
    var m = -Float.infinity
    for j in 0..<n { m = Swift.max(m, row[j * stride]) }
    return m
}
