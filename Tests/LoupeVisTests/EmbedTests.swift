import LoupeTensor
@testable import LoupeVis
import XCTest

/// PCA against the closed form on planted low-rank data; trustworthiness and k-NN
/// accuracy against values worked by hand.
final class EmbedTests: XCTestCase {
    /// n points on a 2-D plane through `offset` in 10-D, spanned by two orthonormal
    /// directions; (a, b) are each point's plane coordinates, a spread wider than b.
    private func plane(_ n: Int) -> (points: [Float], a: [Double], b: [Double]) {
        let stream = RandomStream(seed: 7)
        // Orthonormal u, v: two rows of a Householder reflection I − 2wwᵀ/|w|².
        let w: [Double] = [1, 2, -1, 0.5, 3, -2, 1, 0, 1, -1]
        let ww = w.reduce(0) { $0 + $1 * $1 }
        let u = (0..<10).map { (($0 == 0) ? 1 : 0) - 2 * w[0] * w[$0] / ww }
        let v = (0..<10).map { (($0 == 1) ? 1 : 0) - 2 * w[1] * w[$0] / ww }
        let offset: [Double] = [3, -1, 2, 0, 5, 1, -4, 2, 0, 1]
        var points = [Float](), a = [Double](), b = [Double]()
        for i in 0..<n {
            let (ai, bi) = (2 * Double(stream.normal(at: UInt64(2 * i))), 0.5 * Double(stream.normal(at: UInt64(2 * i + 1))))
            a.append(ai)
            b.append(bi)
            points += (0..<10).map { Float(offset[$0] + ai * u[$0] + bi * v[$0]) }
        }
        return (points, a, b)
    }

    /// PCA's map is the plane itself: its first two components hold all the variance, in
    /// the shares of the 2×2 covariance's eigenvalues (closed form), and distances between
    /// points in the map are those in the plane (the map is the plane up to sign/rotation).
    private func checkPlane(_ n: Int) throws {
        let (points, a, b) = plane(n)
        let pca = try PCA(points, count: n, dimensions: 10, components: 2)
        let mean = { (x: [Double]) in x.reduce(0, +) / Double(x.count) }
        let (ma, mb) = (mean(a), mean(b))
        let saa = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) }, sbb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }
        let sab = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
        let half = (saa - sbb) / 2, root = (half * half + sab * sab).squareRoot()
        let (l1, l2) = ((saa + sbb) / 2 + root, (saa + sbb) / 2 - root)
        XCTAssertEqual(pca.explainedVarianceRatio[0], l1 / (l1 + l2), accuracy: 1e-5)
        XCTAssertEqual(pca.explainedVarianceRatio[0] + pca.explainedVarianceRatio[1], 1, accuracy: 1e-5)
        XCTAssertEqual(pca.totalVariance, (saa + sbb) / Double(n - 1), accuracy: 1e-4)
        let c = pca.coordinates
        for i in 0..<n {
            for j in (i + 1)..<n {
                let plane = ((a[i] - a[j]) * (a[i] - a[j]) + (b[i] - b[j]) * (b[i] - b[j])).squareRoot()
                let map = Double(hypotf(c[2 * i] - c[2 * j], c[2 * i + 1] - c[2 * j + 1]))
                XCTAssertEqual(map, plane, accuracy: 1e-3 * max(1, plane))
            }
        }
    }

    func testPCARecoversAPlantedPlaneThroughTheCovariance() throws { try checkPlane(200) }

    /// With fewer points than dimensions PCA goes through the Gram matrix; same answers.
    func testPCARecoversAPlantedPlaneThroughTheGramMatrix() throws { try checkPlane(7) }

    func testPCASignIsFixed() throws {
        // Points 0, 1, −5, 2 along x (mean −0.5): centred 0.5, 1.5, −4.5, 2.5, flipped so
        // that the largest magnitude (−4.5) is positive.
        let pca = try PCA([0, 0, 1, 0, -5, 0, 2, 0], count: 4, dimensions: 2, components: 1)
        for (got, want) in zip(pca.coordinates, [-0.5, -1.5, 4.5, -2.5] as [Float]) { XCTAssertEqual(got, want, accuracy: 1e-5) }
        XCTAssertEqual(pca.explainedVarianceRatio[0], 1, accuracy: 1e-12)
    }

    func testTrustworthinessByHand() throws {
        // Original 1-D points 0, 1, 3, 6, 10; map positions 0, 10, 1, 6, 3. Each point's
        // nearest neighbour in the map and its rank in the original (k = 1):
        //   0 → 2 (rank 2), 1 → 3 (rank 3), 2 → 0 (rank 2, tie with 3 at distance 3 goes
        //   to the lower index), 3 → 4 (rank 2), 4 → 2 (rank 2); penalties 1+2+1+1+1 = 6.
        // T = 1 − 2/(5·1·(10 − 3 − 1))·6 = 0.6.
        let t = try EmbeddingQuality.trustworthiness(original: [0, 1, 3, 6, 10], dimensions: 1,
                                                     embedded: [0, 10, 1, 6, 3], embeddedDimensions: 1, k: 1)
        XCTAssertEqual(t, 0.6, accuracy: 1e-12)
        XCTAssertEqual(try EmbeddingQuality.trustworthiness(original: [0, 1, 3, 6, 10], dimensions: 1,
                                                            embedded: [0, 1, 3, 6, 10], embeddedDimensions: 1, k: 1), 1)
    }

    func testTrustworthinessOfPerfectAndRandomMaps() throws {
        let (points, _, _) = plane(150)
        let pca = try PCA(points, count: 150, dimensions: 10)
        XCTAssertEqual(try EmbeddingQuality.trustworthiness(original: points, dimensions: 10, embedded: pca.coordinates,
                                                            embeddedDimensions: 2, k: 10), 1, accuracy: 1e-12)
        let stream = RandomStream(seed: 3)
        let random = (0..<300).map { stream.normal(at: UInt64($0)) }
        let t = try EmbeddingQuality.trustworthiness(original: points, dimensions: 10, embedded: random, embeddedDimensions: 2, k: 10)
        XCTAssertLessThan(t, 0.65, "a random map keeps few true neighbourhoods")
        XCTAssertThrowsError(try EmbeddingQuality.trustworthiness(original: [0, 1, 2], dimensions: 1, embedded: [0, 1, 2],
                                                                  embeddedDimensions: 1, k: 2))
    }

    func testKNNAccuracyByHand() throws {
        // Points 0, 1, 2, 10, 11, 12 labelled 0, 0, 1, 1, 1, 0, k = 2. Ties in distance go to
        // the lower index, ties in votes to the nearer label:
        //   0: {1, 2} → 0 ✓; 1: {0, 2} → 0 ✓; 2: {1, 0} → 0 ✗; 3: {4, 5} → 1 ✓;
        //   4: {3, 5} → 1 ✓; 5: {4, 3} → 1 ✗.
        let acc = try EmbeddingQuality.knnAccuracy([0, 1, 2, 10, 11, 12], dimensions: 1, labels: [0, 0, 1, 1, 1, 0], k: 2)
        XCTAssertEqual(acc, 4.0 / 6, accuracy: 1e-12)
    }

    func testSettingsRoundTripAndValidate() throws {
        var s = EmbedSettings()
        (s.layer, s.method, s.limit, s.perplexity, s.seed) = ("10", .tsne, 500, 20, 4)
        XCTAssertEqual(try JSONDecoder().decode(EmbedSettings.self, from: try JSONEncoder().encode(s)), s)
        XCTAssertNoThrow(try s.validate())
        XCTAssertEqual(s.defaultModel, "fashion-cnn")
        for bad in [{ $0.layer = "" }, { $0.limit = 2 }, { $0.perplexity = 0 }, { $0.iterations = 0 }, { $0.neighbors = 0 },
                    { $0.batchSize = 0 }, { $0.perplexity = .nan }] as [(inout EmbedSettings) -> Void] {
            var wrong = s
            bad(&wrong)
            XCTAssertThrowsError(try wrong.validate())
        }
    }
}
