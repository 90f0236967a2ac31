import LoupeData
import LoupeNN
import LoupeTensor
import LoupeTesting
@testable import LoupeVis
import XCTest

/// LIME, KernelSHAP and RISE on models whose answers follow from algebra: a linear score
/// (additive over superpixels, so its Shapley values and its local linear model are the
/// per-segment sums of w·(x − fill)), a small ReLU network whose Shapley values are
/// computed here by their permutation formula, and a score that reads one known region.
final class PerturbationTests: XCTestCase {
    /// score = Σ w·x + bias over a [C, side, side] input.
    static func linear(weights: [Float], bias: Float = 0, channels: Int, side: Int) throws -> Model {
        let layer = try Linear(weights.count, 1)
        layer.weight.value = try Tensor(shape: [1, weights.count], scalars: weights)
        layer.bias?.value = Tensor([bias])
        return Model(name: "linear", network: Sequential([Flatten(), layer]),
                     preset: Preset(inputSize: side, channels: channels, mean: Array(repeating: 0, count: channels),
                                    std: Array(repeating: 1, count: channels), labels: ["class 0"]))
    }

    static func uniforms(_ count: Int, seed: UInt64, in range: ClosedRange<Float> = 0...1) -> [Float] {
        let s = RandomStream(seed: seed)
        return (0..<count).map { range.lowerBound + (range.upperBound - range.lowerBound) * s.uniform(at: UInt64($0)) }
    }

    /// A 3×16×16 noise image and a linear model with random weights and a bias.
    func linearCase() throws -> (model: Model, image: Tensor, weights: [Float]) {
        let weights = Self.uniforms(3 * 16 * 16, seed: 1, in: -1...1)
        let image = try Tensor(shape: [1, 3, 16, 16], scalars: Self.uniforms(3 * 16 * 16, seed: 2))
        return (try Self.linear(weights: weights, bias: 0.7, channels: 3, side: 16), image, weights)
    }

    /// Σ over segment j of w·(x − fill), with the fill each superpixel's mean colour:
    /// the exact Shapley value (and LIME's exact coefficient) of segment j for a linear score.
    func contributions(_ segmentation: Segmentation, image: [Float], weights: [Float], channels: Int) -> [Double] {
        let plane = segmentation.width * segmentation.height
        return segmentation.members.map { pixels in
            (0..<channels).reduce(0.0) { total, ch in
                let mean = pixels.reduce(0.0) { $0 + Double(image[ch * plane + $1]) } / Double(pixels.count)
                return total + pixels.reduce(0.0) { $0 + Double(weights[ch * plane + $1]) * (Double(image[ch * plane + $1]) - mean) }
            }
        }
    }

    /// The map's value on each segment, checking that it is constant there.
    func perSegment(_ map: AttributionMap, file: StaticString = #filePath, line: UInt = #line) throws -> [Double] {
        let segmentation = try XCTUnwrap(map.segmentation, file: file, line: line)
        return segmentation.members.map { pixels in
            let v = map.values[pixels[0]]
            XCTAssertTrue(pixels.allSatisfy { map.values[$0] == v }, "not constant on a segment", file: file, line: line)
            return Double(v)
        }
    }

    func settings(_ change: (inout AttributionSettings) -> Void) -> AttributionSettings {
        var s = AttributionSettings()
        change(&s)
        return s
    }

    func testKernelSHAPOfALinearModelIsTheExactShapleyValues() throws {
        let (model, image, weights) = try linearCase()
        let s = settings { $0.segments = 16; $0.samples = 300; $0.batchSize = 32 }
        let map = try Attributor(model: model, settings: s).attribute(image, target: 0, method: KernelSHAP())
        let segmentation = try XCTUnwrap(map.segmentation)
        XCTAssertGreaterThan(segmentation.count, 8)
        XCTAssertEqual(map.figures["exact"], 0, "2^M − 2 coalitions exceed 300: the sampled path ran")
        let expected = contributions(segmentation, image: image.scalars, weights: weights, channels: 3)
        let phi = try perSegment(map)
        for (p, e) in zip(phi, expected) { XCTAssertEqual(p, e, accuracy: 1e-4) }
        // Efficiency: Σφ = f(x) − f(fill), where f(x) − f(fill) = Σ w·(x − fill) by hand.
        let gap = expected.reduce(0, +)
        XCTAssertEqual(map.figures["score_difference"] ?? 0, gap, accuracy: 1e-4)
        XCTAssertEqual(phi.reduce(0, +), map.figures["score_difference"] ?? .nan, accuracy: 1e-4)
        XCTAssertTrue(map.signed)
    }

    /// A 2×2-quadrant image of four flat grays (SLIC finds exactly the quadrants) into a
    /// ReLU network: the game is not additive, so only the true Shapley values match.
    func testKernelSHAPEnumeratingEveryCoalitionIsExactOnANonlinearModel() throws {
        let side = 8
        let quadrant = { (i: Int) in (i % side < side / 2 ? 0 : 1) + (i / side < side / 2 ? 0 : 2) }
        let image = try Tensor(shape: [1, 1, side, side], scalars: (0..<(side * side)).map { [0.2, 0.5, 0.7, 0.95][quadrant($0)] })
        let hidden = try Linear(side * side, 2), output = try Linear(2, 1)
        hidden.weight.value = try Tensor(shape: [2, side * side], scalars: Self.uniforms(2 * side * side, seed: 5, in: -1...1))
        hidden.bias?.value = Tensor([-1, 0.5])
        output.weight.value = try Tensor(shape: [1, 2], scalars: [1.5, -2])
        output.bias?.value = Tensor([0])
        let model = Model(name: "relu", network: Sequential([Flatten(), hidden, ReLU(), output]),
                          preset: Preset(inputSize: side, channels: 1, mean: [0], std: [1], labels: ["class 0"]))
        let s = settings { $0.segments = 4; $0.samples = 14; $0.segmentFill = .baseline(.black); $0.batchSize = 5 }
        let map = try Attributor(model: model, settings: s).attribute(image, target: 0, method: KernelSHAP())
        let segmentation = try XCTUnwrap(map.segmentation)
        XCTAssertEqual(segmentation.count, 4)
        XCTAssertEqual(map.figures["exact"], 1)

        // v(S): the model on the image with the quadrants outside S black.
        let pixels = image.scalars
        func v(_ shown: Set<Int>) throws -> Double {
            let masked = pixels.indices.map { shown.contains(segmentation.labels[$0]) ? pixels[$0] : 0 }
            return Double(try model.logits(try Tensor(shape: image.shape, scalars: masked)).scalars[0])
        }
        // φ_j = Σ over S ⊆ N∖{j} of |S|!(M − |S| − 1)!/M! · (v(S ∪ {j}) − v(S)).
        let factorial = [1.0, 1, 2, 6, 24]
        var shapley = [Double](repeating: 0, count: 4)
        for j in 0..<4 {
            for bits in 0..<16 where bits & (1 << j) == 0 {
                let set = Set((0..<4).filter { bits & (1 << $0) != 0 })
                shapley[j] += factorial[set.count] * factorial[3 - set.count] / factorial[4] * (try v(set.union([j])) - v(set))
            }
        }
        let additive = try (0..<4).reduce(0.0) { $0 + (try v([$1]) - v([])) }
        XCTAssertGreaterThan(abs(try v([0, 1, 2, 3]) - v([]) - additive), 0.1, "the game must not be additive")
        for (p, e) in zip(try perSegment(map), shapley) { XCTAssertEqual(p, e, accuracy: 1e-4) }
    }

    func testLIMEOfALinearModelRecoversEachSegmentsContribution() throws {
        let (model, image, weights) = try linearCase()
        let s = settings { $0.segments = 16; $0.samples = 400; $0.batchSize = 50 }
        // Without the ridge penalty the weighted fit of an exactly linear response is exact.
        let exact = try Attributor(model: model, settings: s).attribute(image, target: 0, method: LIME(ridge: 0))
        let expected = contributions(try XCTUnwrap(exact.segmentation), image: image.scalars, weights: weights, channels: 3)
        for (c, e) in zip(try perSegment(exact), expected) { XCTAssertEqual(c, e, accuracy: 1e-4) }
        XCTAssertEqual(exact.figures["r2"] ?? 0, 1, accuracy: 1e-6)
        // The intercept is the score with everything filled: f(fill) = f(x) − Σ contributions.
        XCTAssertEqual(exact.figures["intercept"] ?? 0, (exact.figures["score"] ?? 0) - expected.reduce(0, +), accuracy: 1e-4)

        // lime's own α = 1 shrinks each coefficient a little: ridge on an exact fit gives
        // (G + αI)⁻¹G·c, within α/λ_min(G) of c, and G's smallest eigenvalue here is in the tens.
        let ridge = try Attributor(model: model, settings: s).attribute(image, target: 0, method: LIME())
        let scale = expected.map(abs).max() ?? 1
        for (c, e) in zip(try perSegment(ridge), expected) { XCTAssertEqual(c, e, accuracy: 0.05 * scale) }
        XCTAssertGreaterThan(ridge.figures["r2"] ?? 0, 0.99)
    }

    /// A 24×24 image of ones whose score is the mean over rows 4..<10, columns 14..<20.
    func testRISEHighlightsTheRegionTheScoreReads() throws {
        let side = 24
        let inRegion = { (i: Int) in (4..<10).contains(i / side) && (14..<20).contains(i % side) }
        let weights = (0..<(side * side)).map { inRegion($0) ? Float(1) / 36 : 0 }
        let model = try Self.linear(weights: weights, channels: 1, side: side)
        let image = try Tensor.ones([1, 1, side, side])
        let s = settings { $0.samples = 2000; $0.maskGrid = 6; $0.fill = .black; $0.batchSize = 64 }
        let map = try Attributor(model: model, settings: s).attribute(image, target: 0, method: RISE())
        let peak = map.argmax
        XCTAssertTrue(inRegion(peak.y * side + peak.x), "peak at \(peak)")
        // Pixels more than two mask cells (8 px) from the region are independent of the
        // score: their expected saliency is E[f] = p·1 = 0.5 (Monte-Carlo error ≈ 0.01),
        // and the map is the saliency less the mean score.
        let mean = try XCTUnwrap(map.figures["mean_score"])
        XCTAssertEqual(mean, 0.5, accuracy: 0.02)
        let far = map.values.indices.filter { i in
            let (x, y) = (i % side, i / side)
            return max(max(4 - y, y - 9), max(14 - x, x - 19)) > 8
        }
        XCTAssertFalse(far.isEmpty)
        XCTAssertEqual(Double(far.map { map.values[$0] }.reduce(0, +)) / Double(far.count) + mean, 0.5, accuracy: 0.03)
        let inside = map.values.indices.filter(inRegion).map { map.values[$0] }
        XCTAssertGreaterThan(inside.min() ?? 0, far.map { map.values[$0] }.max() ?? 1)
        XCTAssertGreaterThan(inside.min() ?? 0, 0, "seeing the region raises the score")
        XCTAssertTrue(map.signed)
    }

    func testRISEWithEveryCellKeptIsTheScoreEverywhere() throws {
        // p = 1: every mask is all ones, so the paper's saliency is N·f(x)/(N·1) = f(x) at
        // every pixel, the mean score is f(x), and the map (their difference) is 0.
        let (model, image, weights) = try linearCase()
        let s = settings { $0.samples = 5; $0.maskProbability = 1 }
        let map = try Attributor(model: model, settings: s).attribute(image, target: 0, method: RISE())
        let score = zip(weights, image.scalars).reduce(0.7) { $0 + Double($1.0) * Double($1.1) }
        XCTAssertEqual(map.figures["mean_score"] ?? 0, score, accuracy: 1e-4)
        for v in map.values { XCTAssertEqual(Double(v) + (map.figures["mean_score"] ?? 0), score, accuracy: 1e-4) }
    }

    /// What a method controls is batch-invariant: each sample's draw is keyed by its index,
    /// and sums run in sample order. The model's own forward pass need not be (OpenBLAS
    /// rounds a row of a product differently by its position in the batch), so the model
    /// here is exact in Float32: pixels in quarters, weights in eighths, gray fill, and
    /// RISE masks on a 7×7 grid upsampled to 8·2 = 16 samples per 14 pixels, whose
    /// bilinear weights are multiples of 1/32. Every sum is then exact in any order.
    func testSameSeedSameMapWhateverTheBatchSizeOrThreadCount() throws {
        let side = 14
        let weights = Self.uniforms(side * side, seed: 8, in: -1...1).map { ($0 * 8).rounded() / 8 }
        let model = try Self.linear(weights: weights, bias: 0.5, channels: 1, side: side)
        let image = try Tensor(shape: [1, 1, side, side], scalars: Self.uniforms(side * side, seed: 9).map { ($0 * 4).rounded() / 4 })
        for method in [LIME(), KernelSHAP(), RISE()] as [any AttributionMethod] {
            func run(batch: Int, threads: Int, seed: UInt64 = 4) throws -> [Float] {
                let s = settings {
                    $0.segments = 9; $0.samples = 60; $0.batchSize = batch; $0.seed = seed
                    $0.segmentFill = .baseline(.gray); $0.maskGrid = 7
                }
                return try withThreads(threads) { try Attributor(model: model, settings: s).attribute(image, target: 0, method: method).values }
            }
            let reference = try run(batch: 1, threads: 1)
            XCTAssertEqual(try run(batch: 7, threads: 2), reference, method.name)
            XCTAssertEqual(try run(batch: 60, threads: 1), reference, method.name)
            XCTAssertNotEqual(try run(batch: 7, threads: 1, seed: 5), reference, "\(method.name): the seed must matter")
        }
    }

    func testKernelSHAPPlanSpendsTheBudgetOnWholeSizesFirst() {
        // M = 6: the size pairs {1, 5}, {2, 4} and {3} hold 2, 2·5/8 and 5/9 of the kernel's
        // mass, 0.5255, 0.3285 and 0.1460 normalized. 100 evaluations cover the 12 coalitions
        // of {1, 5} (100·0.5255 ≥ 12), then the 30 of {2, 4} (88·0.3285/0.4745 = 60.9 ≥ 30),
        // then the 20 of {3} (58 ≥ 20): every coalition.
        let full = KernelSHAP.plan(features: 6, budget: 100, stream: RandomStream(seed: 0))
        XCTAssertTrue(full.exact)
        XCTAssertEqual(full.coalitions.count, 62)
        XCTAssertEqual(Set(full.coalitions).count, 62)
        // Each coalition's weight is the Shapley kernel (M − 1)/(C(M, k)·k·(M − k)), up to one scale.
        let kernel = full.coalitions.map { z -> Double in
            let k = z.filter { $0 }.count
            return 5.0 / (KernelSHAP.binomial(6, k) * Double(k * (6 - k)))
        }
        for (w, k) in zip(full.weights, kernel) { XCTAssertEqual(w / k, full.weights[0] / kernel[0], accuracy: 1e-12) }

        // 40 evaluations: {1, 5} enumerated (40·0.5255 ≥ 12), {2, 4} not (28·0.3285/0.4745 =
        // 19.4 < 30), so 14 sampled pairs of sizes 2–4, each with its complement, share the
        // rest of the mass equally.
        let partial = KernelSHAP.plan(features: 6, budget: 40, stream: RandomStream(seed: 0))
        XCTAssertFalse(partial.exact)
        XCTAssertEqual(partial.enumeratedSizes, 1)
        XCTAssertEqual(partial.coalitions.count, 12 + 28)
        for p in stride(from: 12, to: 40, by: 2) {
            XCTAssertEqual(partial.coalitions[p + 1], partial.coalitions[p].map { !$0 }, "paired")
            XCTAssertTrue((2...4).contains(partial.coalitions[p].filter { $0 }.count))
        }
        XCTAssertEqual(partial.weights.reduce(0, +), 1, accuracy: 1e-12)
    }

    func testTooFewOrTooManySamplesAreClearErrors() throws {
        let (model, image, _) = try linearCase()
        // Fewer coalitions than superpixels leave the regression underdetermined.
        let few = settings { $0.segments = 16; $0.samples = 6 }
        XCTAssertThrowsError(try Attributor(model: model, settings: few).attribute(image, target: 0, method: KernelSHAP())) {
            XCTAssertTrue("\($0)".contains("--samples"), "\($0)")
        }
        let many = settings { $0.segments = 200; $0.samples = AttributionSettings.maximumSamples }
        XCTAssertThrowsError(try Attributor(model: model, settings: many).attribute(image, target: 0, method: LIME())) {
            XCTAssertTrue("\($0)".contains("superpixels"), "\($0)")
        }
    }

    func testSettingsRefuseBadPerturbationOptions() {
        let changes: [(inout AttributionSettings) -> Void] = [
            { $0.segments = 0 }, { $0.segments = AttributionSettings.maximumSegments + 1 }, { $0.compactness = 0 },
            { $0.compactness = .nan }, { $0.maskGrid = 0 }, { $0.maskProbability = 0 }, { $0.maskProbability = 1.5 },
            { $0.samples = 0 }, { $0.samples = AttributionSettings.maximumSamples + 1 },
        ]
        for change in changes {
            var s = AttributionSettings()
            s.methods = ["lime"]
            change(&s)
            XCTAssertThrowsError(try s.validate())
        }
        XCTAssertEqual(try SegmentFill.parse("mean"), .mean)
        XCTAssertEqual(try SegmentFill.parse("gray"), .baseline(.gray))
        XCTAssertEqual(try SegmentFill.parse("blur:4"), .baseline(.blur(sigma: 4)))
        XCTAssertThrowsError(try SegmentFill.parse("median"))
    }
}
