import Foundation
@testable import LoupeAttack
import LoupeData
import LoupeNN
@testable import LoupeTensor
import XCTest

/// AutoAttack's warnings about its own numbers, planted one at a time: each planted
/// defect fails exactly its check, and an ordinary model fails none.
final class ReliabilityChecksTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-flags-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: scratch) }

    /// Sweeps `model` over `images` (pixels in [0, 1], rounded to 8 bits) and returns the
    /// audit by check name.
    func audit(_ model: Model, images: [Float], labels: [Int], attacks: [AttackConfig.Method], eps: [Float],
               queries: Int = 200) throws -> [String: RobustnessSummary.Check] {
        let p = model.preset
        let data = try LabeledImages(pixels: images.map { UInt8(($0 * 255).rounded()) }, labels: labels, channels: p.channels,
                                     height: p.inputSize, width: p.inputSize, classes: p.labels, source: "planted")
        let settings = SweepSettings(model: model.name, data: "planted", total: labels.count, attacks: attacks, epsilons: eps,
                                     steps: 10, seed: 1, queries: queries, unboundedCheck: false)
        let records = try RobustnessSweep(model: model, data: data, settings: settings)
            .run(into: scratch.appendingPathComponent(UUID().uuidString), resume: false)
        let summary = try RobustnessSummary(settings: settings, records: records)
        return Dictionary(uniqueKeysWithValues: summary.audit.map { ($0.check, $0) })
    }

    static let deterministic = "the model is deterministic (two forward passes agree)"
    static let logits = "the model outputs logits, not probabilities"
    static let gradient = "the input gradient is nonzero at every sample"
    static let masking = "no black-box attack breaks what the gradient attacks could not (gradient masking)"
    static let classes = "enough classes for the targeted attacks"
    static let overfitting = "FGSM does not leave far more accuracy than the iterative attacks (catastrophic overfitting)"
    static let flags = [deterministic, logits, gradient, masking]

    func failed(_ audit: [String: RobustnessSummary.Check]) -> Set<String> {
        Set(audit.values.filter { !$0.passed }.map(\.check))
    }

    /// The staircase model: zero gradient everywhere, so PGD and APGD leave it alone while
    /// Square breaks it. The zero-gradient and the masking checks fail.
    func testPlantedGradientMaskingIsFlagged() throws {
        let model = try Fixtures.steppedModel()
        let images = [Float](repeating: 0.45, count: 4 * 16)
        // AutoAttack on two classes also has too few for its targeted attacks.
        for (attacks, flagged) in [([AttackConfig.Method.pgd, .square], [Self.gradient, Self.masking]),
                                   ([.autoattack], [Self.gradient, Self.masking, Self.classes])] {
            let audit = try audit(model, images: images, labels: [0, 0, 0, 0], attacks: attacks, eps: [0, 0.1], queries: 400)
            XCTAssertEqual(failed(audit), Set(flagged), "\(attacks): \(audit.values.filter { !$0.passed }.map(\.detail))")
            XCTAssertTrue(audit[Self.masking]?.detail.contains("Square broke 4 samples (100.0%)") == true, audit[Self.masking]?.detail ?? "")
            XCTAssertTrue(audit[Self.gradient]?.detail.hasPrefix("4 of 4 samples") == true)
        }
    }

    /// A model that adds fresh noise on every pass fails the determinism check; one that
    /// ends in a softmax fails the logits check; an ordinary network fails neither, nor any
    /// other flag.
    func testRandomizedAndProbabilityModelsAreFlagged() throws {
        let base = try Fixtures.mlp(channels: 1, size: 4, hidden: 8, classes: 5, seed: 4)
        let stream = RandomStream(seed: 3)
        let images = (0..<(6 * 16)).map { stream.uniform(at: UInt64($0)) }
        let labels = try base.logits(try Tensor(shape: [6, 1, 4, 4], scalars: images.map { ($0 * 255).rounded() / 255 })).argmax()

        let plain = try audit(base, images: images, labels: labels, attacks: [.fgsm, .pgd], eps: [0.05])
        XCTAssertEqual(failed(plain), [])
        for flag in [Self.deterministic, Self.logits, Self.gradient] { XCTAssertNotNil(plain[flag], flag) }
        XCTAssertTrue(plain[Self.masking]?.detail.hasPrefix("not applicable") == true)

        let noisy = Model(name: "noisy", network: Noisy(base.network), preset: base.preset)
        XCTAssertEqual(failed(try audit(noisy, images: images, labels: labels, attacks: [.fgsm], eps: [0.05])), [Self.deterministic])

        let softmax = Model(name: "softmax", network: Softmax(base.network), preset: base.preset)
        XCTAssertEqual(failed(try audit(softmax, images: images, labels: labels, attacks: [.fgsm], eps: [0.05])), [Self.logits])
    }

    /// AutoAttack on a 3-class model: APGD-T cannot run (targeted DLR needs 4 classes) and
    /// only 2 wrong classes exist for 9 targets: flagged.
    func testTooFewClassesForTheTargetedAttacks() throws {
        let model = try Fixtures.linearModel(weights: [[1, -1, 0.5, 0], [-1, 1, 0, 0.5], [0, 0.5, -1, 1]], bias: [0.2, 0, 0.1])
        let images: [Float] = [0.2, 0.8, 0.5, 0.3, 0.9, 0.1, 0.4, 0.6]
        let labels = try model.logits(try Tensor(shape: [2, 4, 1, 1], scalars: images.map { ($0 * 255).rounded() / 255 })).argmax()
        let audit = try audit(model, images: images, labels: labels, attacks: [.autoattack], eps: [0.05], queries: 50)
        XCTAssertEqual(audit[Self.classes]?.passed, false)
        XCTAssertTrue(audit[Self.classes]?.detail.contains("aim at 2 of the 9") == true, audit[Self.classes]?.detail ?? "")
        XCTAssertTrue(audit[Self.classes]?.detail.contains("APGD-T") == true)
    }

    /// Catastrophic overfitting from hand-made records: FGSM leaving 9 of 10 samples while
    /// PGD leaves none is flagged; 3 against 1 is the ordinary gap and is not.
    func testFGSMFarAbovePGDIsFlagged() throws {
        let settings = SweepSettings(model: "m", data: "d", total: 10, attacks: [.fgsm, .pgd], epsilons: [0.1], unboundedCheck: false)
        func records(fgsmRobust: Int, pgdRobust: Int) -> [SampleRecord] {
            (0..<10).map { i in
                func attack(_ robust: Bool) -> AttackRecord {
                    AttackRecord(predictions: [robust ? 0 : 1], attacked: [true], linf: [0.1], l2: [0.3], step: [robust ? nil : 1],
                                 brokenAt: robust ? nil : 0.1, outOfRange: 0, nonFinite: false)
                }
                return SampleRecord(id: i, label: 0, clean: 0, attacks: ["fgsm": attack(i < fgsmRobust), "pgd": attack(i < pgdRobust)],
                                    unbounded: nil)
            }
        }
        let overfit = try RobustnessSummary(settings: settings, records: records(fgsmRobust: 9, pgdRobust: 0))
        let check = try XCTUnwrap(overfit.audit.first { $0.check == Self.overfitting })
        XCTAssertFalse(check.passed)
        XCTAssertTrue(check.detail.hasPrefix("at ε = 0.1 FGSM leaves 90.0%, PGD 0.0%"), check.detail)
        let ordinary = try RobustnessSummary(settings: settings, records: records(fgsmRobust: 3, pgdRobust: 1))
        XCTAssertEqual(ordinary.audit.first { $0.check == Self.overfitting }?.passed, true)
        // Records from before the probe: its checks say so instead of passing silently.
        XCTAssertTrue(ordinary.audit.first { $0.check == Self.gradient }?.detail.hasPrefix("not applicable") == true)
    }

    /// Adds noise that changes on every call: a randomized defense.
    final class Noisy: Module {
        let inner: Module
        private var calls: UInt64 = 0
        init(_ inner: Module) { self.inner = inner }
        override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
            calls += 1
            let stream = RandomStream(seed: 77, key: [calls])
            let noise = try Tensor(shape: x.shape, scalars: (0..<x.count).map { 0.05 * stream.normal(at: UInt64($0)) })
            return try inner.forward(try x + noise, ctx)
        }
    }

    /// Ends the network in a softmax: probabilities instead of logits.
    final class Softmax: Module {
        let inner: Module
        init(_ inner: Module) { self.inner = inner }
        override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor { try inner.forward(x, ctx).softmax() }
    }
}
