import Foundation
import LoupeNN
import LoupeTensor
import LoupeTesting
import LoupeVis
import XCTest

/// The CAM family on tiny networks whose layer activations are known (TinyNetworks).
///
/// On `convInput` the conv-ReLU layer "1" holds A0 = [[0.5, 2.5], [0, 1.5]] and
/// A1 = [[0.5, 0], [1.5, 0]] (see AttributionTests.testGradCAMByHand), channel means
/// 1.125 and 0.5. A 2×2 map upsampled to 4×4 with half-pixel centers keeps its corners,
/// so values[0], [3], [12], [15] are the layer's four positions.
final class CAMTests: XCTestCase {
    func attributor(_ model: Model, layer: String? = nil, batchSize: Int = 8) -> Attributor {
        var settings = AttributionSettings()
        settings.layer = layer
        settings.batchSize = batchSize
        return Attributor(model: model, settings: settings)
    }

    func corners(_ map: AttributionMap) -> [Float] { [map.values[0], map.values[3], map.values[12], map.values[15]] }

    func testCAMIsTheFCWeightedSumOfTheLastFeatureMap() throws {
        // W = [[1, −2], [0.5, 1]], b = [0.25, −0.5]:
        //   class 0: A0 − 2·A1 = [[−0.5, 2.5], [−3, 1.5]]; logit 1.125 − 1 + 0.25 = 0.375
        //   class 1: 0.5·A0 + A1 = [[0.75, 1.25], [1.5, 0.75]]; logit 0.5625 + 0.5 − 0.5 = 0.5625
        let model = try TinyNetworks.convGAPLinear()
        let x = try TinyNetworks.convInput()
        let cam0 = try attributor(model).attribute(x, target: 0, method: CAM())
        assertClose(corners(cam0), [-0.5, 2.5, -3, 1.5], tol: 1e-6)
        XCTAssertEqual(cam0.values[1], 0.75 * -0.5 + 0.25 * 2.5, accuracy: 1e-6)
        XCTAssertEqual(cam0.layer, "1", "the default layer is the last spatial one")
        XCTAssertTrue(cam0.signed)
        XCTAssertEqual(cam0.figures["score"] ?? 0, 0.375, accuracy: 1e-6)
        XCTAssertEqual(cam0.figures["fc_bias"] ?? 0, 0.25, accuracy: 1e-6)
        let cam1 = try attributor(model).attribute(x, target: 1, method: CAM())
        assertClose(corners(cam1), [0.75, 1.25, 1.5, 0.75], tol: 1e-6)
        // Zhou et al.'s identity: the map's mean at the layer plus the bias is the logit.
        XCTAssertEqual(Double(corners(cam1).reduce(0, +) / 4) + (cam1.figures["fc_bias"] ?? 0), 0.5625, accuracy: 1e-6)
    }

    func testCAMRefusesAHeadThatIsNotGlobalAveragePoolAndLinear() throws {
        // Flatten → linear: no weight per channel exists.
        XCTAssertThrowsError(try attributor(try TinyNetworks.convReLULinear()).attribute(try TinyNetworks.convInput(), target: 0, method: CAM())) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("global average pool") && text.contains("use gradcam"), text)
            XCTAssertFalse(text.contains("\n"), "one line: \(text)")
        }
        // The conv before the ReLU: the pooled values are not its channel means, since
        // its raw outputs (0.5, 2.5, −2.5, 1.5) and (0.5, −3.5, 1.5, −1.5) go negative.
        XCTAssertThrowsError(try attributor(try TinyNetworks.convGAPLinear(), layer: "0").attribute(try TinyNetworks.convInput(), target: 0, method: CAM())) { error in
            XCTAssertTrue("\(error)".contains("not the linear layer applied to the channel means"), "\(error)")
        }
    }

    func testHiResCAMByHand() throws {
        // convReLULinear: the logit's gradient at "1" is v: g0 = [1, −1, 2, 1], g1 = [−2, 1, 1, 0.5].
        //   Σ g ⊙ A = [0.5, −2.5, 0, 1.5] + [−1, 0, 1.5, 0] = [−0.5, −2.5, 1.5, 1.5],
        //   which sums to the logit, 0 (no bias), as a linear head's first-order terms must.
        let map = try attributor(try TinyNetworks.convReLULinear(), layer: "1").attribute(try TinyNetworks.convInput(), target: 0, method: HiResCAM())
        assertClose(corners(map), [-0.5, -2.5, 1.5, 1.5], tol: 1e-6)
        XCTAssertTrue(map.signed)
        // On the GAP head every position's gradient is W/4, so HiResCAM is CAM / 4:
        //   class 0: [[−0.125, 0.625], [−0.75, 0.375]], summing to logit − bias = 0.125.
        let gap = try attributor(try TinyNetworks.convGAPLinear()).attribute(try TinyNetworks.convInput(), target: 0, method: HiResCAM())
        assertClose(corners(gap), [-0.125, 0.625, -0.75, 0.375], tol: 1e-6)
    }

    func testLayerCAMByHand() throws {
        // ReLU(g) ⊙ A: [1, 0, 2, 1]·A0 = [0.5, 0, 0, 1.5]; [0, 1, 1, 0.5]·A1 = [0, 0, 1.5, 0].
        let map = try attributor(try TinyNetworks.convReLULinear(), layer: "1").attribute(try TinyNetworks.convInput(), target: 0, method: LayerCAM())
        assertClose(corners(map), [0.5, 0, 1.5, 1.5], tol: 1e-6)
        XCTAssertFalse(map.signed)
    }

    func testAblationCAMByHand() throws {
        // GAP head, class 0, y = 0.375. Zeroing channel k removes W0k·mean(A_k) from the logit:
        //   drop0 = 1·1.125 = 1.125, drop1 = −2·0.5 = −1; weights 1.125/0.375 = 3, −1/0.375 = −8/3.
        //   ReLU(3·A0 − 8/3·A1) = [1.5 − 4/3, 7.5, 0 − 4 → 0, 4.5].
        let model = try TinyNetworks.convGAPLinear()
        for batchSize in [1, 2, 8] {
            let map = try attributor(model, batchSize: batchSize).attribute(try TinyNetworks.convInput(), target: 0, method: AblationCAM())
            assertClose(corners(map), [1.5 - 4.0 / 3, 7.5, 0, 4.5], tol: 1e-5)
            XCTAssertEqual(map.figures["ablated_passes"], 2)
        }
    }

    func testScoreCAMByHand() throws {
        // identityGAPLinear: the layer is the input itself,
        //   A0 = [[0, 0.25], [0.5, 1]], A1 = [[0.75, 0.25], [0.25, 0.25]];
        // normalized masks H0 = A0 (already spans 0…1), H1 = [[1, 0], [0, 0]]. Black baseline:
        //   x·H0 has channel means (0 + 0.0625 + 0.25 + 1)/4 = 0.328125 and (0 + 0.0625 + 0.125 + 0.25)/4 = 0.109375,
        //   logits W·m = (2·0.328125 − 0.109375, −0.328125 + 0.109375) = (0.546875, −0.21875);
        //   x·H1 keeps only 0.75 of channel 1: means (0, 0.1875), logits (−0.1875, 0.1875);
        //   black: logits (0, 0), p = 0.5.
        // Two classes: p0 = σ(z0 − z1). Weights w = p0(masked) − 0.5.
        let model = try TinyNetworks.identityGAPLinear()
        let a0: [Float] = [0, 0.25, 0.5, 1], a1: [Float] = [0.75, 0.25, 0.25, 0.25]
        let x = try Tensor(shape: [1, 2, 2, 2], scalars: a0 + a1)
        let sigmoid = { (z: Double) in 1 / (1 + Foundation.exp(-z)) }
        let w0 = sigmoid(0.546875 + 0.21875) - 0.5, w1 = sigmoid(-0.1875 - 0.1875) - 0.5
        let expected = zip(a0, a1).map { Float(Swift.max(w0 * Double($0) + w1 * Double($1), 0)) }
        XCTAssertEqual(expected[0], 0, "the ReLU acts at (0, 0): w1 < 0")
        for batchSize in [1, 2] {
            let map = try attributor(model, layer: "1", batchSize: batchSize).attribute(x, target: 0, method: ScoreCAM())
            assertClose(map.values, expected, tol: 1e-6)
            XCTAssertEqual(map.figures["baseline_probability"] ?? 0, 0.5, accuracy: 1e-7)
            XCTAssertEqual(map.figures["masked_passes"], 2)
        }
    }

    func testEigenCAMByHand() throws {
        // Positions as rows (A0, A1): (2, 0), (0, 2), (1, 1), (5, 5); centered on (2, 2):
        // (0, −2), (−2, 0), (−1, −1), (3, 3). Their scatter [[14, 10], [10, 14]] has
        // eigenvalues 24 along (1, 1)/√2 and 4 along (1, −1)/√2, so the projection on the
        // first component is ±√2·(−1, −1, −1, 3) and 24/28 = 6/7 of the variance is explained.
        // The sign that makes the largest magnitude positive gives, after the ReLU, (0, 0, 0, 3√2).
        // The second input is the mirror image, (5, 3), (3, 5), (4, 4), (0, 0): projection
        // ±√2·(1, 1, 1, −3), so its natural sign is the opposite one; the map must be the same.
        let model = try TinyNetworks.identityGAPLinear()
        for (a0, a1) in [([2, 0, 1, 5], [0, 2, 1, 5]), ([5, 3, 4, 0], [3, 5, 4, 0])] as [([Float], [Float])] {
            let x = try Tensor(shape: [1, 2, 2, 2], scalars: a0 + a1)
            let map = try attributor(model, layer: "1").attribute(x, target: 0, method: EigenCAM())
            assertClose(map.values, [0, 0, 0, 3 * Float(2).squareRoot()], tol: 1e-5)
            XCTAssertEqual(map.figures["explained_variance"] ?? 0, 6.0 / 7, accuracy: 1e-6)
            // Class-agnostic: the other class gives the same map.
            XCTAssertEqual(try attributor(model, layer: "1").attribute(x, target: 1, method: EigenCAM()).values, map.values)
        }
    }

    func testEveryCAMNeedsASpatialLayer() throws {
        for method in [CAM(), HiResCAM(), LayerCAM(), ScoreCAM(), AblationCAM(), EigenCAM()] as [any AttributionMethod] {
            XCTAssertThrowsError(try attributor(try TinyNetworks.convGAPLinear(), layer: "3").attribute(try TinyNetworks.convInput(), target: 0, method: method)) { error in
                XCTAssertTrue("\(error)".contains("spatial map"), "\(method.name): \(error)")
            }
        }
    }
}
