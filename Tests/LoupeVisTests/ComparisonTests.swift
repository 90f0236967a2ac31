import Foundation
import LoupeData
import LoupeNN
import LoupeTensor
@testable import LoupeVis
import XCTest

/// `loupe attribute --images`: the summary statistics against values worked out by hand,
/// the ranking on a model where one method is provably the most faithful, the skipping of
/// methods that cannot apply, and the parsing of folders and lists.
final class ComparisonTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-compare-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    /// Writes an RGB (or gray) PNG of noise and returns its path.
    func photo(_ name: String, side: Int, channels: Int = 3, seed: UInt64) throws -> String {
        let path = folder.appendingPathComponent(name).path
        let values = PerturbationTests.uniforms(side * side * channels, seed: seed)
        try Image(width: side, height: side, channels: channels, pixels: values.map { UInt8(($0 * 255).rounded()) }).savePNG(path: path)
        return path
    }

    // MARK: statistics

    /// Two-sided 95% critical values of Student's t as printed in every table.
    func testStudentTCriticalValuesMatchTheTables() {
        let table: [(Int, Double)] = [(1, 12.7062047), (2, 4.30265273), (4, 2.77644511), (10, 2.22813885), (30, 2.04227246),
                                      (1000, 1.96233908)]
        for (nu, t) in table { XCTAssertEqual(StudentT.critical(level: 0.95, degreesOfFreedom: nu), t, accuracy: 1e-6, "ν = \(nu)") }
        XCTAssertEqual(StudentT.cdf(0, degreesOfFreedom: 3), 0.5, accuracy: 1e-12)
        // ν = 1 is the Cauchy distribution: P(T ≤ 1) = 3/4.
        XCTAssertEqual(StudentT.cdf(1, degreesOfFreedom: 1), 0.75, accuracy: 1e-12)
    }

    func testMeanIntervalByHand() {
        // 1…5: mean 3, s² = 10/4 = 2.5, s/√n = √0.5, half-width t(0.975, 4)·√0.5.
        let five = MeanInterval([1, 2, 3, 4, 5])
        let half = 2.7764451052 * 0.5.squareRoot()
        XCTAssertEqual(five.n, 5)
        XCTAssertEqual(five.mean ?? .nan, 3, accuracy: 1e-12)
        XCTAssertEqual(five.lower ?? .nan, 3 - half, accuracy: 1e-8)
        XCTAssertEqual(five.upper ?? .nan, 3 + half, accuracy: 1e-8)
        // NaN is left out; one value has a mean and no interval; none has neither.
        let one = MeanInterval([2.5, .nan])
        XCTAssertEqual(one.n, 1)
        XCTAssertEqual(one.mean, 2.5)
        XCTAssertNil(one.lower)
        XCTAssertNil(one.upper)
        XCTAssertNil(MeanInterval([]).mean)
        XCTAssertEqual(MeanInterval([]).n, 0)
    }

    func testRanksInEachDirectionWithTiesAndGaps() throws {
        let deletion = try XCTUnwrap(ComparedMetric.all.first { $0.key == "deletion_auc" })
        let insertion = try XCTUnwrap(ComparedMetric.all.first { $0.key == "insertion_auc" })
        XCTAssertEqual(deletion.rank([3, 1, 2]), [3, 1, 2])
        XCTAssertEqual(insertion.rank([3, 1, 2]), [1, 3, 2])
        XCTAssertEqual(deletion.rank([1, 1, nil, 0, .nan]), [2.5, 2.5, nil, 1, nil])
    }

    /// Three images, two methods, numbers chosen so every summary is a small hand computation.
    func testSummaryByHand() throws {
        func metrics(deletion: Double, insertion: Double, curve: [Double]) -> MapMetrics {
            var m = MapMetrics()
            m.deletion = .init(auc: deletion, fractions: [0, 1], scores: curve)
            m.insertion = .init(auc: insertion, fractions: [0, 1], scores: curve.reversed())
            return m
        }
        // a: deletion 1, 2, 6 (mean 3, s² = 7); insertion 4, 4, 4. b: deletion 2, 3, 4; insertion 5, 3, 1.
        let a = [(1.0, 4.0), (2, 4), (6, 4)], b = [(2.0, 5.0), (3, 3), (4, 1)]
        let rows = (0..<3).map { i in
            ComparisonResult.ImageRow(image: "img\(i).png", input: "in\(i).png", target: .init(index: 0, name: "class 0"), maps: [
                .init(method: "a", image: "a\(i).png", layer: nil, metrics: metrics(deletion: a[i].0, insertion: a[i].1, curve: [Double(i), 0])),
                .init(method: "b", image: "b\(i).png", layer: nil, metrics: metrics(deletion: b[i].0, insertion: b[i].1, curve: [1, 1])),
            ])
        }
        let summary = AttributionComparison.summarize(rows, methods: ["b", "a"])
        let sa = try XCTUnwrap(summary.first { $0.method == "a" }), sb = try XCTUnwrap(summary.first { $0.method == "b" })
        let t2 = 4.302652730
        let da = try XCTUnwrap(sa.metrics["deletion_auc"])
        XCTAssertEqual(da.mean ?? .nan, 3, accuracy: 1e-12)
        XCTAssertEqual(da.upper ?? .nan, 3 + t2 * (7.0 / 3).squareRoot(), accuracy: 1e-7)
        XCTAssertEqual(da.n, 3)
        // A constant metric has a zero-width interval.
        XCTAssertEqual(sa.metrics["insertion_auc"]?.lower, 4)
        XCTAssertEqual(sa.metrics["insertion_auc"]?.upper, 4)
        XCTAssertEqual(sb.metrics["insertion_auc"]?.mean ?? .nan, 3, accuracy: 1e-12)
        XCTAssertEqual(sb.metrics["road_morf"]?.n, 0)
        XCTAssertNil(sb.metrics["road_morf"]?.mean)
        // Ranks per image (deletion, insertion): image 0 a (1, 2) b (2, 1); image 1 a (1, 1) b (2, 2);
        // image 2 a (2, 1) b (1, 2). Mean per image: a 1.5, 1, 1.5 → 4/3; b 1.5, 2, 1.5 → 5/3.
        XCTAssertEqual(sa.meanRank.mean ?? .nan, 4.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(sb.meanRank.mean ?? .nan, 5.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(summary.map(\.method), ["a", "b"], "ordered by mean rank, not run order")
        XCTAssertEqual(summary.map(\.rank), [1, 2])
        // Mean curves, point by point: a's deletion curves [0,0], [1,0], [2,0].
        XCTAssertEqual(sa.deletionCurve, [1, 0])
        XCTAssertEqual(sa.insertionCurve, [0, 1])
    }

    // MARK: the lab on planted models

    /// score = Σ w·x, substrate black: deleting pixel p lowers the score by exactly its
    /// gradient × input value Σ_c w_c·x_c, so gradxinput's order is the best possible for
    /// deletion and insertion at every step, and its infidelity is 0. Saliency (max |w| over
    /// channels) and SmoothGrad (the same, on a linear model) ignore the image.
    func testTheProvablyFaithfulMethodRanksFirst() throws {
        let side = 12
        let model = try PerturbationTests.linear(weights: PerturbationTests.uniforms(3 * side * side, seed: 21, in: -1...1), bias: 0.2,
                                                 channels: 3, side: side)
        let paths = try (0..<4).map { try photo("p\($0).png", side: side, seed: 30 + UInt64($0)) }
        var settings = AttributionSettings()
        settings.methods = ["saliency", "smoothgrad", "gradxinput"]
        settings.samples = 8
        settings.metrics.substrate = .black
        settings.metrics.steps = 24
        settings.metrics.infidelitySamples = 16
        var events = 0
        let result = try AttributionComparison.run(images: paths, model: model, settings: settings, everyMethod: false,
                                                   progress: { if case .method = $0 { events += 1 } })
        XCTAssertEqual(events, 12, "one event per image × method")
        XCTAssertEqual(result.n, 4)
        XCTAssertEqual(result.summary.first?.method, "gradxinput")
        XCTAssertEqual(result.summary.first?.rank, 1)
        for row in result.images {
            let byMethod = Dictionary(uniqueKeysWithValues: row.maps.map { ($0.method, $0.metrics) })
            let best = try XCTUnwrap(byMethod["gradxinput"] ?? nil), saliency = try XCTUnwrap(byMethod["saliency"] ?? nil)
            XCTAssertLessThan(try XCTUnwrap(best.deletion?.auc), try XCTUnwrap(saliency.deletion?.auc))
            XCTAssertGreaterThan(try XCTUnwrap(best.insertion?.auc), try XCTUnwrap(saliency.insertion?.auc))
            XCTAssertLessThan(try XCTUnwrap(best.infidelityNormalized), 1e-6)
        }
        let top = try XCTUnwrap(result.summary.first)
        for other in result.summary.dropFirst() {
            XCTAssertLessThan(try XCTUnwrap(top.metrics["deletion_auc"]?.mean), try XCTUnwrap(other.metrics["deletion_auc"]?.mean))
            XCTAssertLessThan(try XCTUnwrap(top.meanRank.mean), try XCTUnwrap(other.meanRank.mean))
        }
        XCTAssertEqual(result.curveFractions?.count, 25)
        XCTAssertEqual(top.deletionCurve?.count, 25)
    }

    /// `--method all` on a conv → ReLU → flatten → linear net: every CAM-family method has a
    /// spatial layer to read but CAM needs a global-average-pool head, so CAM alone is skipped,
    /// with CAM's own reason; the same method named explicitly fails the run.
    func testMethodAllSkipsWhatCannotApplyAndSaysWhy() throws {
        let path = try photo("gray.png", side: 4, channels: 1, seed: 5)
        var settings = AttributionSettings()
        settings.methods = ["gradcam", "cam", "hirescam", "saliency"]
        settings.metrics.level = .none
        var said: [String] = []
        let result = try AttributionComparison.run(images: [path], model: try TinyNetworks.convReLULinear(), settings: settings,
                                                   everyMethod: true, progress: { if case let .skipped(name, _) = $0 { said.append(name) } })
        XCTAssertEqual(result.methods, ["gradcam", "hirescam", "saliency"])
        XCTAssertEqual(result.skipped.map(\.method), ["cam"])
        XCTAssertEqual(said, ["cam"])
        XCTAssertTrue(result.skipped[0].reason.contains("global average pool"), result.skipped[0].reason)
        XCTAssertEqual(result.images[0].maps.map(\.method), ["gradcam", "hirescam", "saliency"])
        XCTAssertThrowsError(try AttributionComparison.run(images: [path], model: try TinyNetworks.convReLULinear(), settings: settings,
                                                           everyMethod: false))
        // On a model with no spatial layer, the whole CAM family is skipped.
        let flat = try AttributionComparison.run(images: [path], model: try TinyNetworks.linear(), settings: settings, everyMethod: true)
        XCTAssertEqual(flat.methods, ["saliency"])
        XCTAssertEqual(flat.skipped.map(\.method), ["gradcam", "cam", "hirescam"])
    }

    // MARK: --images

    func testFolderAndListParsing() throws {
        let b = try photo("b.png", side: 4, seed: 1), a = try photo("a.png", side: 4, seed: 2)
        try Data("notes".utf8).write(to: folder.appendingPathComponent("readme.txt"))
        try Data().write(to: folder.appendingPathComponent(".hidden.png"))
        XCTAssertEqual(try ImageSet.paths([folder.path]), [a, b], "a folder: its PNG and JPEG files by name")
        XCTAssertEqual(try ImageSet.paths(["\(b), \(a)"]), [b, a], "a list: in the order given")
        XCTAssertEqual(try ImageSet.paths([b, a]), [b, a], "several values add up")

        func message(_ specs: [String]) -> String {
            do {
                _ = try ImageSet.paths(specs)
                return ""
            } catch { return "\(error)" }
        }
        let missing = folder.appendingPathComponent("missing.png").path
        XCTAssertTrue(message(["\(a),\(missing)"]).contains("missing.png"), message(["\(a),\(missing)"]))
        let empty = folder.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        XCTAssertTrue(message([empty.path]).contains("no PNG or JPEG"), message([empty.path]))
        let text = folder.appendingPathComponent("readme.txt").path
        XCTAssertTrue(message([text]).contains("not a PNG or JPEG"), message([text]))
        let fake = folder.appendingPathComponent("fake.png")
        try Data("not an image at all".utf8).write(to: fake)
        XCTAssertTrue(message([fake.path]).contains("fake.png"), message([fake.path]))
        XCTAssertTrue(message(["\(a),,\(b)"]).contains("empty name"))
        // The shell leaves ~ after a comma alone; the list expands it.
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        XCTAssertTrue(message(["\(a),~/loupe-missing-\(getpid()).png"]).contains("\(home)/loupe-missing-\(getpid()).png"),
                      message(["\(a),~/loupe-missing-\(getpid()).png"]))
        XCTAssertTrue(message(["\(a),\(empty.path)"]).contains("folder inside a list"))
        XCTAssertTrue(message([]).contains("--images"))
        for m in [message(["\(a),\(missing)"]), message([empty.path]), message([text])] { XCTAssertFalse(m.contains("\n"), m) }
    }
}
