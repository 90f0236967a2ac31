import LoupeNN
import LoupeTensor
import LoupeTesting
@testable import LoupeVis
import XCTest

/// Deletion, insertion, ROAD, infidelity and max-sensitivity on models whose answers
/// follow from algebra: a linear score worked out by hand, and a planted score that
/// reads a known scattered set of pixels.
final class FaithfulnessTests: XCTestCase {
    func settings(_ change: (inout AttributionSettings) -> Void = { _ in }) -> AttributionSettings {
        var s = AttributionSettings()
        change(&s)
        return s
    }

    func map(_ values: [Float], side: Int, signed: Bool = true) -> AttributionMap {
        AttributionMap(method: "planted", values: values, width: side, height: side, signed: signed)
    }

    /// score = 0·x₀ + 1·x₁ + 2·x₂ + 3·x₃ on x = [1, 2, 3, 4]: f(x) = 20, and f(gray) = 0.5·6 = 3.
    /// The map ranks pixel 0 first, then 1, 2, 3; four steps move one pixel each.
    func testDeletionAndInsertionMatchAHandWorkedExample() throws {
        let model = try TinyNetworks.linear(side: 2)
        let image = try TinyNetworks.image([[1, 2], [3, 4]])
        let context = Attributor(model: model, settings: settings())
        let (deletion, insertion) = try DeletionInsertion.curves(
            map([4, 3, 2, 1], side: 2), image: image, substrate: try Tensor.full(image.shape, 0.5), steps: 4, target: 0,
            context: context)
        // Deletion: 20; pixel 0 (weight 0) changes nothing; pixel 1 loses 1·(2 − 0.5) → 18.5;
        // pixel 2 loses 2·2.5 → 13.5; pixel 3 loses 3·3.5 → 3.
        XCTAssertEqual(deletion.fractions, [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(deletion.scores, [20, 20, 18.5, 13.5, 3])
        // Trapezoids of width 1/4: (20 + 19.25 + 16 + 8.25)/4.
        XCTAssertEqual(deletion.auc, 15.875, accuracy: 1e-12)
        // Insertion from gray: 3, 3, 4.5, 9.5, 20, area (3 + 3.75 + 7 + 14.75)/4.
        XCTAssertEqual(insertion.scores, [3, 3, 4.5, 9.5, 20])
        XCTAssertEqual(insertion.auc, 7.125, accuracy: 1e-12)
    }

    /// 16×16, 1 channel: S is a fixed scattered fifth of the pixels, x = 1 on S and 0
    /// elsewhere, and the score reads S alone with distinct positive weights. The perfect map
    /// is the weights, the reversed map their negation.
    func plantedCase() throws -> (model: Model, image: Tensor, perfect: [Float], random: [Float], reversed: [Float]) {
        let side = 16, plane = side * side
        let stream = RandomStream(seed: 11)
        let planted = (0..<plane).map { stream.uniform(at: UInt64($0)) < 0.2 }
        let weights = (0..<plane).map { planted[$0] ? 1 + Float($0) / Float(plane) : 0 }
        let model = try PerturbationTests.linear(weights: weights, channels: 1, side: side)
        let image = try Tensor(shape: [1, 1, side, side], scalars: planted.map { $0 ? 1 : 0 })
        let random = (0..<plane).map { stream.derived(1).uniform(at: UInt64($0)) }
        return (model, image, weights, random, weights.map { -$0 })
    }

    func testAPerfectMapBeatsARandomOneAndAReversedOneIsWorst() throws {
        let (model, image, perfect, random, reversed) = try plantedCase()
        let context = Attributor(model: model, settings: settings { $0.metrics.substrate = .gray; $0.metrics.steps = 32; $0.batchSize = 16 })
        let metrics = try [perfect, random, reversed].map {
            try XCTUnwrap(try Faithfulness.measure(map($0, side: 16), image: image, method: Saliency(), target: 0, context: context))
        }
        let deletion = metrics.map { $0.deletion?.auc ?? .nan }, insertion = metrics.map { $0.insertion?.auc ?? .nan }
        XCTAssertLessThan(deletion[0], deletion[1]); XCTAssertLessThan(deletion[1], deletion[2])
        XCTAssertGreaterThan(insertion[0], insertion[1]); XCTAssertGreaterThan(insertion[1], insertion[2])
        let morf = metrics.map { $0.road?.morfMean ?? .nan }, lerf = metrics.map { $0.road?.lerfMean ?? .nan }
        XCTAssertLessThan(morf[0], morf[1]); XCTAssertLessThan(morf[1], morf[2])
        XCTAssertGreaterThan(lerf[0], lerf[1]); XCTAssertGreaterThan(lerf[1], lerf[2])
        XCTAssertEqual(metrics[0].road?.fractions.count, 9)
        XCTAssertNil(metrics[0].maxSensitivity, "fast leaves out what re-runs the method")
    }

    func testImputationIsTheNeighbourMeanAndExactOnAPlane() throws {
        // A linear ramp in x is harmonic for the symmetric stencil: imputing any hole
        // that leaves the border columns known reproduces the ramp.
        let (side, plane) = (8, 64)
        let ramp = (0..<plane).map { Float($0 % side) / 7 }
        let removed = (0..<plane).map { ($0 % side) > 0 && ($0 % side) < 7 && ($0 / side) % 3 != 0 }
        let out = NoisyLinearImputation.impute(ramp, channels: 1, height: side, width: side, removed: removed, noise: 0,
                                               stream: RandomStream(seed: 0))
        for p in 0..<plane { XCTAssertEqual(out[p], ramp[p], accuracy: 1e-5) }
        // One removed pixel in a corner: the mean of its three neighbours, 1/6, 1/6, 1/12 weighted.
        var pixels = [Float](repeating: 0, count: 9)
        (pixels[1], pixels[3], pixels[4]) = (1, 2, 4)
        let corner = NoisyLinearImputation.impute(pixels, channels: 1, height: 3, width: 3, removed: [true] + Array(repeating: false, count: 8),
                                                  noise: 0, stream: RandomStream(seed: 0))
        XCTAssertEqual(Double(corner[0]), (1.0 / 6 + 2.0 / 6 + 4.0 / 12) / (1.0 / 6 + 1.0 / 6 + 1.0 / 12), accuracy: 1e-6)
    }

    /// score = Σ w·x over 3 channels: f(x) − f(x − ε⊙x) = Σ_p ε_p Σ_c w·x = εᵀΦ for Φ the
    /// gradient × input map, so its infidelity is 0 up to rounding.
    func testInfidelityOfAnExactLinearAttributionIsZero() throws {
        let weights = PerturbationTests.uniforms(3 * 8 * 8, seed: 3, in: -1...1)
        let model = try PerturbationTests.linear(weights: weights, bias: 0.3, channels: 3, side: 8)
        let image = try Tensor(shape: [1, 3, 8, 8], scalars: PerturbationTests.uniforms(3 * 64, seed: 4))
        let context = Attributor(model: model, settings: settings { $0.batchSize = 10 })
        let exact = try context.attribute(image, target: 0, method: GradientTimesInput())
        let run = { (values: [Float]) in
            try Infidelity.measure(self.map(values, side: 8), image: image, samples: 40, sigma: 0.1, seed: 0, target: 0, context: context)
        }
        // The zero map predicts no change: its infidelity is E[Δf²], the scale of the others.
        let scale = try run([Float](repeating: 0, count: 64)).raw
        XCTAssertGreaterThan(scale, 0.01)
        XCTAssertLessThan(try run(exact.values).raw, 1e-7 * scale)
        // Twice the exact map is off by Δf everywhere (raw = E[Δf²]) but exact once rescaled.
        let doubled = try run(exact.values.map { 2 * $0 })
        XCTAssertEqual(doubled.raw, scale, accuracy: 1e-4 * scale)
        XCTAssertLessThan(doubled.normalized, 1e-7 * scale)
        // The gradient alone (no × input) is not the contributions: it must score worse.
        let gradient = (0..<64).map { p in (0..<3).reduce(Float(0)) { $0 + weights[$1 * 64 + p] } }
        XCTAssertGreaterThan(try run(gradient).normalized, 0.01 * scale)
    }

    func testMaxSensitivityOfALinearModelsSaliencyIsZero() throws {
        let weights = PerturbationTests.uniforms(2 * 36, seed: 6, in: -1...1)
        let model = try PerturbationTests.linear(weights: weights, channels: 2, side: 6)
        let image = try Tensor(shape: [1, 2, 6, 6], scalars: PerturbationTests.uniforms(72, seed: 7))
        let context = Attributor(model: model, settings: settings())
        func sensitivity(_ method: any AttributionMethod) throws -> Double {
            let original = try context.attribute(image, target: 0, method: method)
            return try MaxSensitivity.measure(original, image: image, method: method, samples: 8, radius: 0.05, seed: 0,
                                              target: 0, context: context)
        }
        // The gradient of a linear score is its weights wherever the input is.
        XCTAssertEqual(try sensitivity(Saliency()), 0)
        // Gradient × input moves with the input: ‖Σ_c w⊙δ‖/‖Σ_c w⊙x‖ > 0, of the order r/x̄ ≈ 0.1.
        let moving = try sensitivity(GradientTimesInput())
        XCTAssertGreaterThan(moving, 0)
        XCTAssertLessThan(moving, 1)
    }

    /// What the metrics control is batch-invariant: every draw is keyed by its index and sums
    /// run in sample order. The model's own forward pass need not be (OpenBLAS rounds a row of
    /// a product differently by its position in the batch), so the score here reads two pixels
    /// alone: a sum of two products and exact zeros is the same in any order.
    func testMetricsAreIdenticalWhateverTheBatchSizeOrThreadCount() throws {
        let (_, image, _, random, _) = try plantedCase()
        var weights = [Float](repeating: 0, count: 256)
        (weights[37], weights[150]) = (1.5, -0.75)
        let model = try PerturbationTests.linear(weights: weights, channels: 1, side: 16)
        func run(batch: Int, threads: Int, seed: UInt64 = 2) throws -> MapMetrics? {
            let s = settings { $0.metrics.level = .all; $0.metrics.steps = 20; $0.metrics.infidelitySamples = 30
                $0.metrics.sensitivitySamples = 3; $0.batchSize = batch; $0.seed = seed }
            return try withThreads(threads) {
                try Faithfulness.measure(map(random, side: 16), image: image, method: GradientTimesInput(), target: 0,
                                         context: Attributor(model: model, settings: s))
            }
        }
        let reference = try XCTUnwrap(try run(batch: 1, threads: 1))
        XCTAssertNotNil(reference.maxSensitivity)
        XCTAssertEqual(try run(batch: 7, threads: 2), reference)
        XCTAssertEqual(try run(batch: 64, threads: 1), reference)
        XCTAssertNotEqual(try run(batch: 7, threads: 1, seed: 3)?.infidelity, reference.infidelity, "the seed must matter")
    }

    /// ROAD's 18 imputations run side by side: whatever the thread count, every copy is
    /// bit-identical and in its own slot, the very array one imputation computes alone.
    func testROADImputationsAreBitIdenticalWhateverTheThreadCount() throws {
        let (side, channels) = (20, 3)
        let plane = side * side
        let image = try Tensor(shape: [1, channels, side, side], scalars: PerturbationTests.uniforms(channels * plane, seed: 8))
        let planted = map(PerturbationTests.uniforms(plane, seed: 9, in: -1...1), side: side)
        let serial = withThreads(1) { ROAD.imputedCopies(planted, image: image, noise: 0.01, seed: 4, target: 0) }
        XCTAssertEqual(serial.count, 18)
        for threads in [2, 3, 7, 32] {
            XCTAssertEqual(withThreads(threads) { ROAD.imputedCopies(planted, image: image, noise: 0.01, seed: 4, target: 0) }, serial,
                           "\(threads) threads")
        }
        // Copy 12 is LeRF at 40%: the 160 least attributed pixels removed, noise from draw 12.
        let order = PixelRanking.descending(planted.values)
        var removed = [Bool](repeating: false, count: plane)
        for r in (plane - 160)..<plane { removed[order[r]] = true }
        let alone = NoisyLinearImputation.impute(image.scalars, channels: channels, height: side, width: side, removed: removed,
                                                 noise: 0.01, stream: RandomStream(seed: 4, key: [0x90AD, 0]).derived(12))
        XCTAssertEqual(serial[12], alone)
        XCTAssertNotEqual(serial[12], serial[3], "each copy its own")
    }

    func testLevelsAndSettings() throws {
        let (model, image, perfect, _, _) = try plantedCase()
        let none = Attributor(model: model, settings: settings { $0.metrics.level = .none })
        XCTAssertNil(try Faithfulness.measure(map(perfect, side: 16), image: image, method: Saliency(), target: 0, context: none))
        for change in [{ $0.metrics.steps = 0 }, { $0.metrics.infidelitySamples = 0 }, { $0.metrics.sensitivityRadius = 0 },
                       { $0.metrics.sensitivityRadius = .nan }] as [(inout AttributionSettings) -> Void] {
            var s = settings(change)
            s.methods = ["saliency"]
            XCTAssertThrowsError(try s.validate())
        }
    }
}
