extension Tensor {
    /// Inverted dropout: in training, each element is kept with probability 1 − p and
    /// scaled by 1/(1 − p), so the expectation is unchanged and evaluation is the identity.
    ///
    /// Element i is kept when `stream.uniform(at: i) ≥ p`: the mask is a pure function of
    /// the stream and the element's position, the same for any thread count. Callers key
    /// the stream per step (e.g. `[epoch, batch]`) so that steps get different masks.
    public func dropout(p: Float, training: Bool, stream: RandomStream) throws -> Tensor {
        guard p >= 0, p < 1 else {
            throw TensorError.invalidArgument(op: "dropout", "probability \(p) must be in [0, 1)")
        }
        guard training, p > 0 else { return self }
        let scale = 1 / (1 - p)
        var mask = Tensor(zeros: shape)
        let pm = mask.mutablePointer
        let total = count
        // Fixed blocks, independent of the thread count; each position draws its own number.
        let block = 1 << 14
        Parallel.forEach((total + block - 1) / block, elements: total) { b in
            for i in (b * block)..<Swift.min(total, (b + 1) * block) {
                pm[i] = stream.uniform(at: UInt64(i)) >= p ? scale : 0
            }
        }
        var out = Tensor(zeros: shape)
        let px = pointer, po = out.mutablePointer
        for i in 0..<total { po[i] = px[i] * pm[i] }
        return Tensor.record("dropout", out, inputs: [self]) { g, _ in
            var dx = Tensor(zeros: g.shape)
            let pg = g.pointer, pd = dx.mutablePointer, keep = mask.pointer
            for i in 0..<dx.count { pd[i] = pg[i] * keep[i] }
            return [dx]
        }
    }
}
