import LoupeTensor

/// ROAD, Remove And Debias (Rong et al. 2022): 10, 20 … 90% of the pixels, the most
/// attributed first (MoRF: the score should fall) or the least (LeRF: it should stay), are
/// replaced by noisy linear imputation, and the model scores what is left, without
/// retraining. The imputation's noise for copy (order, fraction) is keyed by the seed.
///
/// The 18 imputations are independent sparse solves (a conjugate-gradient run per channel,
/// most of a map's ROAD time at 224 px), so they run side by side on the policy's threads:
/// each copy is computed whole by one worker in the same order as alone, and lands in its
/// own slot, so the copies are bit-identical whatever the thread count.
enum ROAD {
    static let fractions = (1...9).map { Double($0) / 10 }

    static func scores(_ map: AttributionMap, image: Tensor, noise: Float, seed: UInt64, target: Int,
                       context: Attributor) throws -> MapMetrics.ROADScores {
        let copies = imputedCopies(map, image: image, noise: noise, seed: seed, target: target)
        let scores = try context.perturbedScores(image, count: copies.count, target: target) { s, out in
            _ = out.update(fromContentsOf: copies[s])
        }.map(Double.init)
        let (morf, lerf) = (Array(scores[..<fractions.count]), Array(scores[fractions.count...]))
        let mean = { (v: [Double]) in v.reduce(0, +) / Double(v.count) }
        return .init(fractions: fractions, morf: morf, lerf: lerf, morfMean: mean(morf), lerfMean: mean(lerf))
    }

    /// Copy s of the image: MoRF at `fractions[s]` for s < 9, LeRF at `fractions[s − 9]` after.
    static func imputedCopies(_ map: AttributionMap, image: Tensor, noise: Float, seed: UInt64, target: Int) -> [[Float]] {
        let (channels, height, width) = (image.shape[1], map.height, map.width)
        let plane = height * width
        let order = PixelRanking.descending(map.values)
        let pixels = image.scalars
        let stream = RandomStream(seed: seed, key: [0x90AD, UInt64(target)])
        var copies = [[Float]](repeating: [], count: 2 * fractions.count)
        copies.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            Parallel.forEach(slots.count) { s in
                let count = Int((fractions[s % fractions.count] * Double(plane)).rounded())
                var removed = [Bool](repeating: false, count: plane)
                let ranks = s < fractions.count ? 0..<count : (plane - count)..<plane
                for r in ranks { removed[order[r]] = true }
                slots[s] = NoisyLinearImputation.impute(pixels, channels: channels, height: height, width: width, removed: removed,
                                                        noise: noise, stream: stream.derived(UInt64(s)))
            }
        }
        return copies
    }
}
