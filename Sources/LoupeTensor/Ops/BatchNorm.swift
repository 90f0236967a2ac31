import Foundation

// Batch normalization over [N, C, ...] (NCHW images, or [N, C] features): every
// statistic is per channel C, over the batch and all trailing positions. Memory is
// N blocks of C contiguous runs of S = H·W elements; elementwise passes split over
// the N·C runs, reductions over channels, so no two workers write the same element.

extension Tensor {
    /// Inference-mode batch norm with fixed (running) statistics:
    /// y = (x − mean) / √(variance + eps) · weight + bias.
    ///
    /// eps stays inside the square root: checkpoints have channels whose running
    /// variance is exactly 0. `mean` and `variance` are buffers, constants to the tape;
    /// gradients flow to the input, weight and bias (nil weight = 1, nil bias = 0).
    public func batchNorm(
        mean: Tensor, variance: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5
    ) throws -> Tensor {
        let op = "batchNorm"
        let (n, c, s) = try batchNormLayout(op: op, eps: eps)
        try Tensor.checkChannelVector(mean, "mean", channels: c, input: shape, op: op)
        try Tensor.checkChannelVector(variance, "variance", channels: c, input: shape, op: op)
        let w = try Tensor.channelValues(weight, "weight", default: 1, channels: c, input: shape, op: op)
        let b = try Tensor.channelValues(bias, "bias", default: 0, channels: c, input: shape, op: op)
        let mu = mean.scalars, v = variance.scalars
        var invStd = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            let denominator = v[ch] + eps
            guard denominator > 0 else {
                throw TensorError.invalidArgument(
                    op: op, "variance \(v[ch]) + eps \(eps) of channel \(ch) is not positive")
            }
            invStd[ch] = 1 / denominator.squareRoot()
        }
        let scale = (0..<c).map { w[$0] * invStd[$0] }

        let x = detached
        var out = Tensor(uninitialized: shape)
        let px = pointer, po = out.mutablePointer
        Parallel.forEach(n * c, elements: count) { run in
            let ch = run % c, base = run * s
            let m = mu[ch], k = scale[ch], shift = b[ch]
            for i in base..<(base + s) { po[i] = (px[i] - m) * k + shift }
        }

        var inputs = [self]
        let weightSlot = weight.map { inputs.append($0); return inputs.count - 1 }
        let biasSlot = bias.map { inputs.append($0); return inputs.count - 1 }
        return Tensor.record("batch_norm", out, inputs: inputs) { g, ctx in
            var grads = [Tensor?](repeating: nil, count: ctx.needs.count)
            let pg = g.pointer
            if ctx.needs[0] {
                var dx = Tensor(uninitialized: g.shape)
                let pd = dx.mutablePointer
                Parallel.forEach(n * c, elements: g.count) { run in
                    let k = scale[run % c], base = run * s
                    for i in base..<(base + s) { pd[i] = pg[i] * k }
                }
                grads[0] = dx
            }
            let needWeight = weightSlot.map { ctx.needs[$0] } ?? false
            let needBias = biasSlot.map { ctx.needs[$0] } ?? false
            if needWeight || needBias {
                // dweight = Σ g·x̂ and dbias = Σ g per channel; x̂ is recomputed rather than stored.
                var dw = Tensor(zeros: [c]), db = Tensor(zeros: [c])
                let pw = dw.mutablePointer, pb = db.mutablePointer
                let xs = x.pointer
                Parallel.forEach(c, elements: g.count) { ch in
                    var sumG: Double = 0, sumGX: Double = 0
                    let m = mu[ch], r = invStd[ch]
                    for item in 0..<n {
                        let base = (item * c + ch) * s
                        for i in base..<(base + s) {
                            sumG += Double(pg[i])
                            sumGX += Double(pg[i] * (xs[i] - m) * r)
                        }
                    }
                    pw[ch] = Float(sumGX)
                    pb[ch] = Float(sumG)
                }
                Tensor.storeAffineGradients(
                    dw, db, weightSlot: weightSlot, biasSlot: biasSlot, needs: ctx.needs, in: &grads)
            }
            return grads
        }
    }

    /// Training-mode batch norm: normalizes with this batch's per-channel mean and
    /// biased variance (as PyTorch), and differentiates through those statistics.
    /// Also returns the batch mean and the unbiased variance, constants without tape,
    /// which are what the running averages are updated with
    /// (see `updateRunningStatistic`).
    public func batchNormTraining(
        weight: Tensor?, bias: Tensor?, eps: Float = 1e-5
    ) throws -> (output: Tensor, mean: Tensor, unbiasedVariance: Tensor) {
        let op = "batchNormTraining"
        let (n, c, s) = try batchNormLayout(op: op, eps: eps)
        let m = n * s
        guard m > 1 else {
            throw TensorError.invalidArgument(
                op: op, "needs more than one value per channel to estimate a variance, got shape \(shape)")
        }
        let w = try Tensor.channelValues(weight, "weight", default: 1, channels: c, input: shape, op: op)
        let b = try Tensor.channelValues(bias, "bias", default: 0, channels: c, input: shape, op: op)

        let x = detached
        var out = Tensor(zeros: shape)
        var batchMean = Tensor(zeros: [c]), unbiased = Tensor(zeros: [c]), invStd = Tensor(zeros: [c])
        let px = pointer, po = out.mutablePointer
        let pm = batchMean.mutablePointer, pv = unbiased.mutablePointer, pr = invStd.mutablePointer
        Parallel.forEach(c, elements: count) { ch in
            // Two passes in Double: the variance is a difference of nearly equal numbers otherwise.
            var total: Double = 0
            for item in 0..<n {
                let base = (item * c + ch) * s
                for i in base..<(base + s) { total += Double(px[i]) }
            }
            let mean = total / Double(m)
            var squares: Double = 0
            for item in 0..<n {
                let base = (item * c + ch) * s
                for i in base..<(base + s) { squares += (Double(px[i]) - mean) * (Double(px[i]) - mean) }
            }
            let variance = squares / Double(m)
            let r = Float(1 / (variance + Double(eps)).squareRoot())
            let mu = Float(mean), k = r * w[ch], shift = b[ch]
            pm[ch] = mu
            pv[ch] = Float(squares / Double(m - 1))
            pr[ch] = r
            for item in 0..<n {
                let base = (item * c + ch) * s
                for i in base..<(base + s) { po[i] = (px[i] - mu) * k + shift }
            }
        }

        var inputs = [self]
        let weightSlot = weight.map { inputs.append($0); return inputs.count - 1 }
        let biasSlot = bias.map { inputs.append($0); return inputs.count - 1 }
        let stats = (mean: batchMean, invStd: invStd)
        let y = Tensor.record("batch_norm_training", out, inputs: inputs) { g, ctx in
            // With x̂ = (x − μ)·r and the sums over a channel's m values:
            //   dx = w·r·(g − Σg/m − x̂·Σ(g·x̂)/m),  dweight = Σ(g·x̂),  dbias = Σg.
            var dx = ctx.needs[0] ? Tensor(zeros: g.shape) : nil
            var dw = Tensor(zeros: [c]), db = Tensor(zeros: [c])
            let pg = g.pointer, xs = x.pointer, means = stats.mean.pointer, rs = stats.invStd.pointer
            let pd = dx?.mutablePointer, pw = dw.mutablePointer, pb = db.mutablePointer
            Parallel.forEach(c, elements: g.count) { ch in
                let mu = means[ch], r = rs[ch]
                var sumG: Double = 0, sumGX: Double = 0
                for item in 0..<n {
                    let base = (item * c + ch) * s
                    for i in base..<(base + s) {
                        sumG += Double(pg[i])
                        sumGX += Double(pg[i]) * Double((xs[i] - mu) * r)
                    }
                }
                pw[ch] = Float(sumGX)
                pb[ch] = Float(sumG)
                guard let pd else { return }
                let meanG = Float(sumG / Double(m)), meanGX = Float(sumGX / Double(m)), k = w[ch] * r
                for item in 0..<n {
                    let base = (item * c + ch) * s
                    for i in base..<(base + s) { pd[i] = k * (pg[i] - meanG - (xs[i] - mu) * r * meanGX) }
                }
            }
            var grads = [Tensor?](repeating: nil, count: ctx.needs.count)
            grads[0] = dx
            Tensor.storeAffineGradients(
                dw, db, weightSlot: weightSlot, biasSlot: biasSlot, needs: ctx.needs, in: &grads)
            return grads
        }
        return (y, batchMean, unbiased)
    }

    /// The running-average update of a batch-norm buffer:
    /// (1 − momentum)·running + momentum·batch, as PyTorch's BatchNorm. A constant.
    public static func updateRunningStatistic(_ running: Tensor, batch: Tensor, momentum: Float) throws -> Tensor {
        let op = "updateRunningStatistic"
        guard running.shape == batch.shape else {
            throw TensorError.shapeMismatch(op: op, running.shape, batch.shape)
        }
        guard momentum >= 0, momentum <= 1 else {
            throw TensorError.invalidArgument(op: op, "momentum \(momentum) must be in [0, 1]")
        }
        return try zipBroadcast(running.detached, batch.detached, op: op) { (1 - momentum) * $0 + momentum * $1 }
    }

    /// N, C and the positions per channel run S of a batch-norm input.
    private func batchNormLayout(op: String, eps: Float) throws -> (Int, Int, Int) {
        guard rank >= 2 else {
            throw TensorError.invalidArgument(op: op, "expects [N, C, ...] of rank ≥ 2, got shape \(shape)")
        }
        guard eps >= 0, eps.isFinite else {
            throw TensorError.invalidArgument(op: op, "eps \(eps) must be finite and non-negative")
        }
        return (shape[0], shape[1], shape[2...].reduce(1, *))
    }

    private static func checkChannelVector(
        _ t: Tensor, _ name: String, channels: Int, input: [Int], op: String
    ) throws {
        guard t.shape == [channels] else {
            throw TensorError.invalidArgument(
                op: op, "\(name) has shape \(t.shape), expected [\(channels)] for input \(input)")
        }
    }

    /// A per-channel parameter's values, or `default` for every channel when absent.
    private static func channelValues(
        _ t: Tensor?, _ name: String, default value: Float, channels: Int, input: [Int], op: String
    ) throws -> [Float] {
        guard let t else { return [Float](repeating: value, count: channels) }
        try checkChannelVector(t, name, channels: channels, input: input, op: op)
        return t.scalars
    }

    /// Puts dweight and dbias in the gradient slots of the weight and bias inputs, for
    /// those that were given and that the tape asks for.
    private static func storeAffineGradients(
        _ dw: Tensor, _ db: Tensor, weightSlot: Int?, biasSlot: Int?, needs: [Bool], in grads: inout [Tensor?]
    ) {
        for (slot, grad) in [(weightSlot, dw), (biasSlot, db)] {
            guard let slot, needs[slot] else { continue }
            KernelPolicy.countWeightGradient()
            grads[slot] = grad
        }
    }
}
