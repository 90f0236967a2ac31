import LoupeTensor

extension Attributor {
    /// The target's score of `count` perturbed copies of `image` ([1, C, H, W]), forward
    /// passes only, `settings.batchSize` copies at a time. `render(s, pixels)` writes copy
    /// `s` (C·H·W values, starting as `image`); it must depend on `s` alone (a draw keyed
    /// by the sample's index, never a shared stream), so the scores are the same whatever
    /// the batch size.
    func perturbedScores(_ image: Tensor, count: Int, target: Int,
                         render: (_ sample: Int, _ pixels: UnsafeMutableBufferPointer<Float>) -> Void) throws -> [Float] {
        try checkTarget(target)
        let values = image.scalars, size = values.count
        var scores: [Float] = []
        scores.reserveCapacity(count)
        var start = 0
        while start < count {
            let len = Swift.min(settings.batchSize, count - start)
            var batch = try Tensor.zeros([len] + image.shape.dropFirst())
            batch.withMutableScalars { all in
                for b in 0..<len {
                    let copy = UnsafeMutableBufferPointer(rebasing: all[(b * size)..<((b + 1) * size)])
                    _ = copy.update(fromContentsOf: values)
                    render(start + b, copy)
                }
            }
            scores += try self.scores(batch, target: target)
            start += len
        }
        return scores
    }
}
