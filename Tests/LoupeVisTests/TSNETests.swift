import Foundation
import LoupeTensor
import LoupeTesting
@testable import LoupeVis
import XCTest

/// Barnes–Hut t-SNE: its parts against exact sums, the whole on planted clusters.
final class TSNETests: XCTestCase {
    /// Four clusters of 30 points in 20-D: centres 12 apart on the axes, unit spread.
    private func clusters() -> (points: [Float], labels: [Int]) {
        let stream = RandomStream(seed: 11)
        var points = [Float](), labels = [Int]()
        for i in 0..<120 {
            let c = i % 4
            labels.append(c)
            points += (0..<20).map { (j: Int) -> Float in (j == c ? 12 : 0) + stream.normal(at: UInt64(i * 20 + j)) }
        }
        return (points, labels)
    }

    private func options(seed: UInt64) -> TSNE.Options {
        var o = TSNE.Options()
        (o.perplexity, o.iterations, o.seed) = (10, 400, seed)
        return o
    }

    func testKeepsPlantedClustersApart() throws {
        let (points, labels) = clusters()
        let map = try TSNE(points, count: 120, dimensions: 20, options: options(seed: 1))
        let trust = try EmbeddingQuality.trustworthiness(original: points, dimensions: 20, embedded: map.coordinates,
                                                         embeddedDimensions: 2, k: 5)
        XCTAssertGreaterThanOrEqual(trust, 0.95)
        XCTAssertEqual(try EmbeddingQuality.knnAccuracy(map.coordinates, dimensions: 2, labels: labels, k: 10), 1)
        // Every cluster's diameter is smaller than its distance to any other cluster's centre.
        var centres = [(Double, Double)](repeating: (0, 0), count: 4)
        for (i, l) in labels.enumerated() {
            centres[l].0 += Double(map.coordinates[2 * i]) / 30
            centres[l].1 += Double(map.coordinates[2 * i + 1]) / 30
        }
        for (i, l) in labels.enumerated() {
            let own = hypot(Double(map.coordinates[2 * i]) - centres[l].0, Double(map.coordinates[2 * i + 1]) - centres[l].1)
            for other in 0..<4 where other != l {
                XCTAssertLessThan(own, hypot(Double(map.coordinates[2 * i]) - centres[other].0,
                                             Double(map.coordinates[2 * i + 1]) - centres[other].1))
            }
        }
        XCTAssertGreaterThan(map.klDivergence, 0)
        XCTAssertEqual(map.learningRate, 50, "max(120/12/4, 50)")
    }

    func testBitIdenticalForASeedWhateverTheThreads() throws {
        let (points, _) = clusters()
        var o = options(seed: 5)
        o.iterations = 300
        let one = try withThreads(1) { try TSNE(points, count: 120, dimensions: 20, options: o) }
        let two = try withThreads(2) { try TSNE(points, count: 120, dimensions: 20, options: o) }
        XCTAssertEqual(one.coordinates.map(\.bitPattern), two.coordinates.map(\.bitPattern))
        o.seed = 6
        let other = try TSNE(points, count: 120, dimensions: 20, options: o)
        XCTAssertNotEqual(one.coordinates, other.coordinates)
    }

    func testCalibrationHitsThePerplexity() {
        // exp(entropy) of the calibrated row equals the perplexity asked for.
        let distances: [Double] = [0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144]
        for perplexity in [2.0, 5, 9] {
            let row = TSNE.calibrated(distances, perplexity: perplexity)
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-12)
            let entropy = -row.reduce(0) { $0 + ($1 > 0 ? $1 * Foundation.log($1) : 0) }
            XCTAssertEqual(Foundation.exp(entropy), perplexity, accuracy: 1e-3 * perplexity)
        }
    }

    func testAffinitiesAreSymmetricAndSumToOne() {
        let (points, _) = clusters()
        let p = TSNE.affinities(points, n: 120, d: 20, perplexity: 10)
        var total = 0.0, entries: [Int: Double] = [:]
        for i in 0..<120 {
            for (j, v) in p.row(i) {
                XCTAssertNotEqual(i, j)
                total += v
                entries[i * 120 + j] = v
            }
        }
        XCTAssertEqual(total, 1, accuracy: 1e-9)
        for (key, v) in entries { XCTAssertEqual(entries[(key % 120) * 120 + key / 120], v) }
    }

    func testBarnesHutWithThetaZeroIsExact() {
        let stream = RandomStream(seed: 2)
        var y = (0..<200).map { Double(stream.normal(at: UInt64($0))) * 3 }
        y[10] = y[0]; y[11] = y[1]   // two coinciding points
        let tree = QuadTree(y)
        for i in [0, 7, 42, 99] {
            var (sum, fx, fy) = (0.0, 0.0, 0.0)
            for j in 0..<100 where j != i {
                let (dx, dy) = (y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1])
                let q = 1 / (1 + dx * dx + dy * dy)
                if dx == 0 && dy == 0 { continue }   // a coinciding point pushes with no force
                (sum, fx, fy) = (sum + q, fx + q * q * dx, fy + q * q * dy)
            }
            let r = tree.withRepulsion { $0(y[2 * i], y[2 * i + 1], theta: 0) }
            XCTAssertEqual(r.sum, sum, accuracy: 1e-9)
            XCTAssertEqual(r.fx, fx, accuracy: 1e-9)
            XCTAssertEqual(r.fy, fy, accuracy: 1e-9)
            // θ = 0.5 stays close: the approximation is of far cells only.
            let approx = tree.withRepulsion { $0(y[2 * i], y[2 * i + 1], theta: 0.5) }
            XCTAssertEqual(approx.sum, sum, accuracy: 0.05 * sum)
        }
    }

    /// Points ever closer to one corner (gaps 2⁻¹ … 2⁻³⁴) drive the tree nearly to its depth limit:
    /// the traversal's fixed stack must hold every waiting cell, and θ = 0 stays exact.
    func testDeepestTreeTraversalIsExact() {
        var y: [Double] = [0, 0]
        for k in 1...34 { y += [Foundation.pow(2, -Double(k)), Foundation.pow(2, -Double(k)) / 3] }
        y += [5, -4, -3, 7]
        let tree = QuadTree(y)
        let n = y.count / 2
        for i in [0, 1, 30, n - 1] {
            var (sum, fx) = (0.0, 0.0)
            for j in 0..<n where j != i {
                let (dx, dy) = (y[2 * i] - y[2 * j], y[2 * i + 1] - y[2 * j + 1])
                if dx == 0 && dy == 0 { continue }
                let q = 1 / (1 + dx * dx + dy * dy)
                (sum, fx) = (sum + q, fx + q * q * dx)
            }
            let r = tree.withRepulsion { $0(y[2 * i], y[2 * i + 1], theta: 0) }
            XCTAssertEqual(r.sum, sum, accuracy: 1e-9)
            XCTAssertEqual(r.fx, fx, accuracy: 1e-9)
        }
    }
}
