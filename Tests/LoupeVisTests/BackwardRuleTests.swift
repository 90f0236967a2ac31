import LoupeNN
import LoupeTensor
import LoupeTesting
import LoupeVis
import XCTest

/// DeconvNet, guided backprop and the plain gradient on `TinyNetworks.convReLULinear`,
/// worked out on paper.
///
/// Input X (4×4), conv outputs z = K ⋆ X + b (2×2 per channel):
///   channel 0, K1 = diagonal, b = −2.5: z1(i,j) = X[i][j] + X[i+1][j+1] + X[i+2][j+2] − 2.5
///     z1(0,0) = 1+1+1−2.5 = 0.5    z1(0,1) = 2+3+0−2.5 = 2.5
///     z1(1,0) = 0+0+0−2.5 = −2.5   z1(1,1) = 1+1+2−2.5 = 1.5
///   channel 1, K2 = cross with −1 centre, b = −3.5:
///     z2(i,j) = X[i][j+1] + X[i+1][j] − X[i+1][j+1] + X[i+1][j+2] + X[i+2][j+1] − 3.5
///     z2(0,0) = 2+0−1+3+0−3.5 = 0.5    z2(0,1) = 0+1−3+1+1−3.5 = −3.5
///     z2(1,0) = 1+2−0+1+1−3.5 = 1.5    z2(1,1) = 3+0−1+0+0−3.5 = −1.5
/// The logit is v·ReLU(z) with v = [1, −1, 2, 1 | −2, 1, 1, 0.5], so the backward signal
/// arriving at the ReLU is v itself. Each rule turns it into G at the conv output:
///   gradient  (v where z > 0):          ch0 [[1,−1],[0,1]]   ch1 [[−2,0],[1,0]]
///   deconvnet (max(v, 0), z ignored):   ch0 [[1,0],[2,1]]    ch1 [[0,1],[1,0.5]]
///   guided    (v where z > 0 and v > 0): ch0 [[1,0],[0,1]]   ch1 [[0,0],[1,0]]
/// and the input gradient is the transposed convolution: every G(i,j) adds G(i,j)·K
/// with K's top-left corner at (i,j); no ReLU sits between the input and the conv.
final class BackwardRuleTests: XCTestCase {
    func gradient(rule: ReLURule) throws -> [Float] {
        let attributor = Attributor(model: try TinyNetworks.convReLULinear())
        let (g, _) = try attributor.gradients(try TinyNetworks.convInput(), target: 0, rule: rule)
        return g.scalars
    }

    func testPlainGradient() throws {
        // ch0: +1·K1@(0,0), −1·K1@(0,1), +1·K1@(1,1); ch1: −2·K2@(0,0), +1·K2@(1,0).
        //   (1,1) = 1 [K1@(0,0)] + 1 [K1@(1,1)] + 2 [−2 · −1 centre] + 1 [K2@(1,0) top] = 5
        //   (0,1) = −1 [K1@(0,1)] − 2 [K2@(0,0) top] = −3;  (2,1) = −2 [K2@(0,0) bottom] − 1 [K2@(1,0) centre] = −3
        let expected: [Float] = [
            1, -3, 0, 0,
            -2, 5, -3, 0,
            1, -3, 3, -1,
            0, 1, 0, 1,
        ]
        assertClose(try gradient(rule: .gradient), expected, tol: 1e-6)
    }

    func testDeconvNetRule() throws {
        // ch0: 1·K1@(0,0), 2·K1@(1,0), 1·K1@(1,1); ch1: 1·K2@(0,1), 1·K2@(1,0), 0.5·K2@(1,1).
        //   (1,1) = 1 + 1 [K1s] + 1 [K2@(0,1) left] + 1 [K2@(1,0) top] = 4
        //   (2,2) = 1 + 1 [K1s] + 1 [K2@(0,1) bottom] + 1 [K2@(1,0) right] − 0.5 [K2@(1,1) centre] = 3.5
        //   (2,1) = 2 [K1@(1,0)] − 1 [K2@(1,0) centre] + 0.5 [K2@(1,1) left] = 1.5
        //   (1,2) = −1 [K2@(0,1) centre] + 0.5 [K2@(1,1) top] = −0.5;  (3,2) = 2 + 0.5 = 2.5
        let expected: [Float] = [
            1, 0, 1, 0,
            2, 4, -0.5, 1,
            1, 1.5, 3.5, 0.5,
            0, 1, 2.5, 1,
        ]
        assertClose(try gradient(rule: .deconvnet), expected, tol: 1e-6)
    }

    func testGuidedBackprop() throws {
        // ch0: K1@(0,0) + K1@(1,1); ch1: K2@(1,0).
        //   (1,1) = 1 + 1 + 1 [K2 top] = 3;  (2,2) = 1 + 1 + 1 [K2 right] = 3;  (2,1) = −1 [K2 centre]
        let expected: [Float] = [
            1, 0, 0, 0,
            0, 3, 0, 0,
            1, -1, 3, 0,
            0, 1, 0, 1,
        ]
        assertClose(try gradient(rule: .guided), expected, tol: 1e-6)
    }

    func testDeconvOfStrongestUnit() throws {
        // ReLU(z) ch0 = [[0.5, 2.5], [0, 1.5]]: the strongest unit is 2.5 at (x 1, y 0).
        // Seed 2.5 there, zeros elsewhere; it is positive so every rule passes it, and the
        // transposed conv lays 2.5·K1 with its corner at (0,1): the diagonal (0,1),(1,2),(2,3).
        let expected: [Float] = [
            0, 2.5, 0, 0,
            0, 0, 2.5, 0,
            0, 0, 0, 2.5,
            0, 0, 0, 0,
        ]
        let deconv = Deconv(model: try TinyNetworks.convReLULinear())
        for rule in ReLURule.allCases {
            let r = try deconv.reconstruct(try TinyNetworks.convInput(), layer: "1", channels: [0], keep: .unit, rule: rule)
            XCTAssertEqual(r.count, 1)
            XCTAssertEqual(r[0].activation, 2.5)
            XCTAssertEqual(r[0].unit?.x, 1)
            XCTAssertEqual(r[0].unit?.y, 0)
            XCTAssertEqual(r[0].pixels.shape, [1, 4, 4])
            assertClose(r[0].pixels.scalars, expected, tol: 1e-6)
        }
    }

    func testDeconvOfWholeMapAndChannelRanking() throws {
        // ReLU(z) ch1 = [[0.5, 0], [1.5, 0]] kept whole: 0.5·K2@(0,0) + 1.5·K2@(1,0).
        //   0.5 at (0,1),(1,0),(1,2); (1,1) = −0.5 + 1.5 = 1; (2,1) = 0.5 − 1.5 = −1;
        //   1.5 at (2,0),(2,2),(3,1).
        let expected: [Float] = [
            0, 0.5, 0, 0,
            0.5, 1, 0.5, 0,
            1.5, -1, 1.5, 0,
            0, 1.5, 0, 0,
        ]
        let deconv = Deconv(model: try TinyNetworks.convReLULinear())
        let pass = try deconv.forward(try TinyNetworks.convInput(), layer: "1")
        // Peaks: channel 0 → 2.5, channel 1 → 1.5.
        XCTAssertEqual(try pass.strongestChannels(k: 2), [0, 1])
        let r = try pass.reconstruct([(0, 1)], keep: .map, rule: .deconvnet)
        assertClose(r[0].pixels.scalars, expected, tol: 1e-6)
        XCTAssertNil(r[0].unit)
        // The same pass serves a second reconstruction: nothing leaks from the first.
        let again = try pass.reconstruct([(0, 1)], keep: .map, rule: .deconvnet)
        XCTAssertEqual(again[0].pixels.scalars, r[0].pixels.scalars)
    }

    func testUnknownChannelIsAnError() throws {
        let deconv = Deconv(model: try TinyNetworks.convReLULinear())
        XCTAssertThrowsError(try deconv.reconstruct(try TinyNetworks.convInput(), layer: "1", channels: [2]))
        XCTAssertThrowsError(try deconv.reconstruct(try TinyNetworks.convInput(), layer: "nope", channels: [0]))
    }
}
