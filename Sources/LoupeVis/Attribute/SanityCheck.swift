import LoupeNN
import LoupeTensor

/// Adebayo et al. (2018), "Sanity Checks for Saliency Maps": an explanation that does
/// not change when the model's weights are destroyed cannot be explaining the model.
/// The cascading test randomizes the layers from the top (logits) down, one group at a
/// time and cumulatively, and compares each map with the original one.
public enum SanityCheck {
    /// One step of the cascade: every group down to `randomized` is random.
    public struct Step {
        public let randomized: String
        /// Spearman rank correlation between |original| and |randomized| maps: the
        /// comparison Adebayo et al. lead with (it ignores the sign flips that random
        /// weights cause). Nil when a map is constant (no ranking to compare).
        public let spearmanAbs: Double?
        /// The same on the signed maps (equal to `spearmanAbs` for non-negative maps).
        public let spearmanSigned: Double?
        public let map: AttributionMap
    }

    /// The test repeated over independent draws of the random weights: one draw's verdict
    /// is noise (Grad-CAM's mean |ρ| on coffee.png ranges 0.04–0.24 over four seeds), so the
    /// verdict rests on the mean over draws and reports their spread.
    public struct Report {
        public let method: String
        public let original: AttributionMap
        /// One cascade per draw, each over the same layer groups.
        public let runs: [[Step]]
        /// The mean |ρ| below which a method counts as depending on the weights.
        public static let passThreshold = 0.5

        /// One cascade's mean |ρ| (a constant map counts as 0: nothing of the original
        /// ranking is left): the area under the cascade curve. Every step counts, so a
        /// map that ignores the top layers (where the class lives) cannot pass just
        /// because it changes once the first conv layers are random too.
        public static func meanAbsRho(_ steps: [Step]) -> Double? {
            guard !steps.isEmpty else { return nil }
            return steps.reduce(0.0) { $0 + Swift.abs($1.spearmanAbs ?? 0) } / Double(steps.count)
        }

        /// Each draw's mean |ρ|.
        public var draws: [Double] { runs.compactMap(Self.meanAbsRho) }

        /// The mean over draws of each draw's mean |ρ|; nil without steps.
        public var meanAbsRho: Double? { Self.mean(draws) }

        /// The sample standard deviation of the draws' mean |ρ| (nil below two draws).
        public var spread: Double? { Self.standardDeviation(draws) }

        /// True when the mean over draws is below 0.5; nil without steps.
        public var passed: Bool? { meanAbsRho.map { $0 < Self.passThreshold } }

        /// The layer groups of the cascade, top first.
        public var groups: [String] { runs.first?.map(\.randomized) ?? [] }

        /// Step `i` over the draws: mean and standard deviation of |ρ| (constant maps as 0),
        /// the mean signed ρ over the draws that have one, and how many maps were constant.
        public func summary(ofStep i: Int) -> StepSummary {
            let steps = runs.map { $0[i] }
            let abs = steps.map { Swift.abs($0.spearmanAbs ?? 0) }
            return StepSummary(randomized: steps[0].randomized, meanAbs: Self.mean(abs) ?? 0, sdAbs: Self.standardDeviation(abs),
                               meanSigned: Self.mean(steps.compactMap(\.spearmanSigned)),
                               constantMaps: steps.filter { $0.spearmanAbs == nil }.count)
        }

        public var summaries: [StepSummary] { groups.indices.map(summary(ofStep:)) }

        /// One plain sentence for reports, whatever the result.
        public var verdict: String {
            guard let mean = meanAbsRho, let passed, let first = summaries.first, let last = summaries.last else {
                return "no layers were randomized"
            }
            let f = { (v: Double) in String(format: "%.2f", v) }
            var text = "mean |ρ| over the cascade \(f(mean))"
            if let spread, let lo = draws.min(), let hi = draws.max() {
                text += " ± \(f(spread)) (sd over \(draws.count) draws, \(f(lo))–\(f(hi)))"
            }
            text += "; ρ = \(f(first.meanAbs)) with \(first.randomized) random, \(f(last.meanAbs)) with every group down to \(last.randomized) random. "
            text += passed
                ? "\(method) depends on the learned weights."
                : "\(method) FAILS the randomization test: its map changes little when the weights are destroyed, so it mostly shows the image, not what the model learned."
            let against = draws.filter { ($0 < Self.passThreshold) != passed }.count
            if against > 0 {
                text += " \(against) of \(draws.count) draws alone would have given the opposite verdict: it is borderline."
            }
            if first.meanAbs > 0.9 {
                text += " Randomizing \(first.randomized) (the class scores) left the map almost unchanged: it is not class-specific."
            }
            if [ReLURule.guided.rawValue, ReLURule.deconvnet.rawValue].contains(method) {
                text += " Adebayo et al. (2018) found the same: guided backprop and DeconvNet-style maps are largely invariant to randomizing the upper layers."
            }
            return text
        }

        static func mean(_ v: [Double]) -> Double? { v.isEmpty ? nil : v.reduce(0, +) / Double(v.count) }

        static func standardDeviation(_ v: [Double]) -> Double? {
            guard v.count > 1, let m = mean(v) else { return nil }
            return (v.reduce(0.0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
        }
    }

    /// One step of the cascade over every draw.
    public struct StepSummary: Equatable {
        public let randomized: String
        public let meanAbs: Double
        public let sdAbs: Double?
        public let meanSigned: Double?
        public let constantMaps: Int
    }

    /// Parameter groups in forward order: a block of a container (`_blocks.3`,
    /// `layer2.1`, `features.28`) or a top-level layer (`_conv_head`, `fc`); a group of
    /// batch norms only is folded into the group before it (its conv).
    public static func parameterGroups(_ model: Model) -> [(name: String, parameters: [Parameter])] {
        var groups: [(name: String, parameters: [Parameter], onlyNorm: Bool)] = []
        for (path, module) in model.network.namedModules() where !module.parameters.isEmpty {
            let parts = path.split(separator: ".").map(String.init)
            let cut = (parts.firstIndex { Int($0) != nil } ?? 0) + 1
            let key = parts.prefix(cut).joined(separator: ".")
            let params = module.parameters.map(\.parameter)
            let isNorm = module is BatchNorm2d
            if let i = groups.lastIndex(where: { $0.name == key }) {
                groups[i].parameters += params
                groups[i].onlyNorm = groups[i].onlyNorm && isNorm
            } else {
                groups.append((key, params, isNorm))
            }
        }
        var merged: [(name: String, parameters: [Parameter])] = []
        for g in groups {
            if g.onlyNorm, !merged.isEmpty {
                merged[merged.count - 1].parameters += g.parameters
            } else {
                merged.append((g.name, g.parameters))
            }
        }
        return merged
    }

    /// Runs `compute` on the trained model, then again after randomizing each group from
    /// the top down (cumulatively), at most `maxSteps` groups, and repeats the cascade for
    /// `runs` independent draws. Each parameter is redrawn from a Gaussian with its own
    /// mean and standard deviation, which keeps activation scales (the batch-norm
    /// statistics stay as trained) but destroys what was learned; draw r of group g's
    /// parameter p is keyed by (seed, r, g, p). The model's weights are restored before
    /// returning, even on error.
    public static func cascadingRandomization(
        model: Model, method: String, maxSteps: Int? = nil, seed: UInt64 = 0, runs: Int = 1,
        progress: (_ done: Int, _ total: Int) -> Void = { _, _ in },
        compute: () throws -> AttributionMap
    ) throws -> Report {
        guard runs >= 1 else { throw VisError.invalid("the randomization test needs at least 1 run") }
        let groups = Array(parameterGroups(model).reversed().prefix(maxSteps ?? .max))
        let original = try compute()
        let saved = groups.map { $0.parameters.map(\.value) }
        func restore() {
            for (g, values) in zip(groups, saved) {
                for (p, v) in zip(g.parameters, values) { p.value = v }
            }
        }
        defer { restore() }
        var cascades: [[Step]] = []
        for run in 0..<runs {
            restore()
            var steps: [Step] = []
            for (gi, group) in groups.enumerated() {
                for (pi, p) in group.parameters.enumerated() {
                    let key: [UInt64] = [0x5A417, UInt64(run), UInt64(gi), UInt64(pi)]
                    p.value = try randomized(p.value, stream: RandomStream(seed: seed, key: key))
                }
                let map = try compute()
                steps.append(Step(randomized: group.name,
                                  spearmanAbs: spearman(original.values.map(Swift.abs), map.values.map(Swift.abs)),
                                  spearmanSigned: spearman(original.values, map.values), map: map))
                progress(run * groups.count + gi + 1, runs * groups.count)
            }
            cascades.append(steps)
        }
        return Report(method: method, original: original, runs: cascades)
    }

    /// A tensor of the same shape drawn from N(mean, std²) of `t`'s own values; a
    /// constant tensor (std 0: a zero bias, say) stays as it is.
    static func randomized(_ t: Tensor, stream: RandomStream) throws -> Tensor {
        let values = t.scalars
        guard values.count > 1 else { return t }
        let n = Double(values.count)
        let mean = values.reduce(0.0) { $0 + Double($1) } / n
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        guard variance > 0 else { return t }
        var out = try Tensor.randomNormal(t.shape, mean: Float(mean), std: Float(variance.squareRoot()), stream: stream)
        out.requiresGrad = t.requiresGrad
        return out
    }

    /// Spearman's ρ: Pearson correlation of the ranks, ties sharing their mean rank.
    /// Nil when either input is constant or the lengths differ.
    public static func spearman(_ a: [Float], _ b: [Float]) -> Double? {
        guard a.count == b.count, a.count > 1 else { return nil }
        return pearson(ranks(a), ranks(b))
    }

    static func ranks(_ v: [Float]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var r = [Double](repeating: 0, count: v.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            let mean = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = mean }
            i = j + 1
        }
        return r
    }

    static func pearson(_ a: [Double], _ b: [Double]) -> Double? {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices {
            let (da, db) = (a[i] - ma, b[i] - mb)
            sab += da * db
            saa += da * da
            sbb += db * db
        }
        guard saa > 0, sbb > 0 else { return nil }
        return sab / (saa * sbb).squareRoot()
    }
}
