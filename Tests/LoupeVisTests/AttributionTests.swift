import LoupeNN
import LoupeTensor
import LoupeTesting
import LoupeVis
import XCTest

/// Attribution methods on networks whose answers follow from algebra.
final class AttributionTests: XCTestCase {
    /// The linear model's score is Σ i·x_i over the 16 pixels, so its gradient is w_i = i
    /// everywhere, whatever the input.
    let weights: [Float] = (0..<16).map(Float.init)

    func ramp() throws -> Tensor {
        try Tensor(shape: [1, 1, 4, 4], scalars: (0..<16).map { Float($0 % 5) / 4 })
    }

    func testSmoothGradOfALinearModelIsItsGradient() throws {
        // Noise cannot change a constant gradient: the average is w exactly.
        var settings = AttributionSettings()
        settings.samples = 7
        settings.batchSize = 3
        settings.sigma = 0.3
        let map = try Attributor(model: try TinyNetworks.linear(), settings: settings).attribute(try ramp(), target: 0, method: SmoothGrad())
        assertClose(try XCTUnwrap(map.perChannel).scalars, weights, tol: 1e-5)
        assertClose(map.values, weights, tol: 1e-5)   // max |·| over one channel
        XCTAssertFalse(map.signed)
    }

    func testGradientTimesInputAndIGOfALinearModel() throws {
        // Both equal w·(x − 0) for a linear score and a black baseline; IG's sum is then
        // exactly F(x) − F(0) = Σ i·x_i.
        let x = try ramp()
        let expected = zip(weights, x.scalars).map { $0 * $1 }
        var settings = AttributionSettings()
        settings.steps = 4
        settings.batchSize = 2
        let attributor = Attributor(model: try TinyNetworks.linear(), settings: settings)
        assertClose(try attributor.attribute(x, target: 0, method: GradientTimesInput()).values, expected, tol: 1e-5)
        let ig = try attributor.attribute(x, target: 0, method: IntegratedGradients())
        assertClose(ig.values, expected, tol: 1e-5)
        XCTAssertEqual(ig.figures["score_difference"] ?? 0, Double(expected.reduce(0, +)), accuracy: 1e-3)
        XCTAssertLessThan(ig.figures["completeness_error"] ?? 1, 1e-5)
        XCTAssertTrue(ig.signed)
    }

    func testIGCompletenessOnTheReLUNetwork() throws {
        // The tiny conv net is piecewise linear in its input, so along the path α·x the
        // score is piecewise linear in α with a kink wherever a unit switches on; with
        // many steps the trapezoid resolves them and Σ IG approaches F(x) − F(0).
        // F(0) = v·ReLU(b) = 0 since both biases are negative. A kink inside an interval
        // costs at most h/2 times the jump of dF/dα; the five kinks here jump by 4.5, 7.5,
        // 6, 12 and 7.5 (v_k times 1.5× the unit's raw response), so with h = 1/4096 the
        // sum is within 37.5/8192 ≈ 0.0046 of −0.5.
        var settings = AttributionSettings()
        settings.steps = 4096
        settings.batchSize = 256
        settings.integration = .uniform
        let x = try TinyNetworks.convInput() * 1.5
        let ig = try Attributor(model: try TinyNetworks.convReLULinear(), settings: settings).attribute(x, target: 0, method: IntegratedGradients())
        let sum = ig.values.reduce(0.0) { $0 + Double($1) }
        // At 1.5·X: z1 = 1.5·(3, 5, 0, 4) − 2.5 = (2, 5, −2.5, 3.5); z2 = 1.5·(4, 0, 5, 2) − 3.5 = (2.5, −3.5, 4, −0.5).
        // F = 2 − 5 + 0 + 3.5 − 5 + 0 + 4 + 0 = −0.5, and F(0) = 0.
        XCTAssertEqual(ig.figures["score"] ?? 0, -0.5, accuracy: 1e-5)
        XCTAssertEqual(sum, -0.5, accuracy: 0.0046)
        XCTAssertLessThan(ig.figures["completeness_error"] ?? 1, 0.0093)

        // Adaptive grid, 64 steps: 16 uniform intervals, then 48 points spent only where
        // the trapezoid misses the score's change. Intervals without a kink are exact and
        // get none, so the ≤ 5 kink intervals are cut ~10 times finer each: the result
        // must be as good as the uniform grid of 4096 steps above (same 0.0046 bound).
        settings.steps = 64
        settings.batchSize = 8
        settings.integration = .adaptive
        let adaptive = try Attributor(model: try TinyNetworks.convReLULinear(), settings: settings).attribute(x, target: 0, method: IntegratedGradients())
        XCTAssertEqual(adaptive.values.reduce(0.0) { $0 + Double($1) }, -0.5, accuracy: 0.0046)
        XCTAssertLessThan(adaptive.figures["smallest_step"] ?? 1, 1.0 / 64)
    }

    func testOcclusionNonOverlapping() throws {
        // X = ones, fill 0.5: hiding a patch P lowers the score by Σ_{i∈P} i·0.5.
        //   patch (0,0): indices 0,1,4,5 → 10·0.5 = 5     patch (0,2): 2,3,6,7 → 9
        //   patch (2,0): 8,9,12,13 → 21                     patch (2,2): 10,11,14,15 → 25
        var settings = AttributionSettings()
        settings.patch = 2
        settings.stride = 2
        settings.batchSize = 3
        let map = try Attributor(model: try TinyNetworks.linear(), settings: settings)
            .attribute(try Tensor.ones([1, 1, 4, 4]), target: 0, method: Occlusion())
        let expected: [Float] = [
            5, 5, 9, 9,
            5, 5, 9, 9,
            21, 21, 25, 25,
            21, 21, 25, 25,
        ]
        assertClose(map.values, expected, tol: 1e-5)
        XCTAssertEqual(map.figures["patches"], 4)
    }

    func testOcclusionOverlappingAveragesCoveringPatches() throws {
        // Patch 3, stride 1 → 4 windows; drops 0.5·Σ i over each:
        //   (0,0): 0,1,2,4,5,6,8,9,10 → 22.5   (0,1): 1,2,3,5,6,7,9,10,11 → 27
        //   (1,0): 4,5,6,8,9,10,12,13,14 → 40.5 (1,1): 5,6,7,9,10,11,13,14,15 → 45
        // Pixel (0,0) sees only window (0,0); (1,1) sees all four: 135/4 = 33.75.
        var settings = AttributionSettings()
        settings.patch = 3
        settings.stride = 1
        let map = try Attributor(model: try TinyNetworks.linear(), settings: settings)
            .attribute(try Tensor.ones([1, 1, 4, 4]), target: 0, method: Occlusion())
        XCTAssertEqual(map.values[0], 22.5, accuracy: 1e-4)
        XCTAssertEqual(map.values[3], 27, accuracy: 1e-4)
        XCTAssertEqual(map.values[12], 40.5, accuracy: 1e-4)
        XCTAssertEqual(map.values[15], 45, accuracy: 1e-4)
        XCTAssertEqual(map.values[5], 33.75, accuracy: 1e-4)
        // (0,1) lies in windows (0,0) and (0,1): (22.5 + 27) / 2.
        XCTAssertEqual(map.values[1], 24.75, accuracy: 1e-4)
    }

    func testGradCAMByHand() throws {
        // At tap "1" (ReLU, 2 channels of 2×2) the logit's gradient is v:
        //   ch0 [[1,−1],[2,1]] → α0 = 3/4;  ch1 [[−2,1],[1,0.5]] → α1 = 0.5/4 = 0.125.
        // A = ReLU(z): ch0 [[0.5,2.5],[0,1.5]], ch1 [[0.5,0],[1.5,0]].
        // CAM = ReLU(0.75·A0 + 0.125·A1) = [[0.4375, 1.875], [0.1875, 1.125]].
        // Bilinear upsampling 2 → 4 (half-pixel centers) keeps the corners exactly.
        var settings = AttributionSettings()
        settings.layer = "1"
        let map = try Attributor(model: try TinyNetworks.convReLULinear(), settings: settings)
            .attribute(try TinyNetworks.convInput(), target: 0, method: GradCAM(plusPlus: false))
        XCTAssertEqual(map.width, 4)
        XCTAssertEqual(map.values[0], 0.4375, accuracy: 1e-6)
        XCTAssertEqual(map.values[3], 1.875, accuracy: 1e-6)
        XCTAssertEqual(map.values[12], 0.1875, accuracy: 1e-6)
        XCTAssertEqual(map.values[15], 1.125, accuracy: 1e-6)
        // Row 0, column 1 samples source x = 0.25: 0.75·0.4375 + 0.25·1.875.
        XCTAssertEqual(map.values[1], 0.75 * 0.4375 + 0.25 * 1.875, accuracy: 1e-6)
        XCTAssertEqual(map.argmax.x, 3)
        XCTAssertEqual(map.argmax.y, 0)
        XCTAssertEqual(map.layer, "1")
    }

    func testGradCAMPlusPlusByHand() throws {
        // With g the gradient at A and S_k = Σ A_k:
        //   α = g² / (2g² + S·g³), weight_k = Σ α·max(g, 0).
        // ch0: S = 4.5, g = (1, −1, 2, 1):
        //   g=1: 1/(2 + 4.5) = 2/13 each (two of them) → 4/13 · 1
        //   g=−1: relu(g) = 0;  g=2: 4/(8 + 36) = 1/11 → ·2 = 2/11
        //   weight0 = 4/13 + 2/11
        // ch1: S = 2, g = (−2, 1, 1, 0.5):
        //   g=1: 1/(2 + 2) = 1/4 each → 1/2;  g=0.5: 0.25/(0.5 + 0.25) = 1/3 → ·0.5 = 1/6
        //   weight1 = 1/2 + 1/6 = 2/3
        // Corner (0,0): weight0·0.5 + weight1·0.5.
        var settings = AttributionSettings()
        settings.layer = "1"
        let map = try Attributor(model: try TinyNetworks.convReLULinear(), settings: settings)
            .attribute(try TinyNetworks.convInput(), target: 0, method: GradCAM(plusPlus: true))
        let w0: Float = 4.0 / 13 + 2.0 / 11, w1: Float = 2.0 / 3
        XCTAssertEqual(map.values[0], 0.5 * w0 + 0.5 * w1, accuracy: 1e-5)
        XCTAssertEqual(map.values[3], 2.5 * w0, accuracy: 1e-5)
        XCTAssertEqual(map.values[12], 1.5 * w1, accuracy: 1e-5)
        XCTAssertEqual(map.values[15], 1.5 * w0, accuracy: 1e-5)
    }

    func testBadTargetIsAnError() throws {
        let attributor = Attributor(model: try TinyNetworks.linear())
        XCTAssertThrowsError(try attributor.attribute(try ramp(), target: 3, method: Saliency()))
        XCTAssertThrowsError(try attributor.attribute(try Tensor.zeros([1, 3, 4, 4]), target: 0, method: Saliency()))
    }

    func testBaselineParsing() throws {
        XCTAssertEqual(try Baseline.parse("black"), .constant(0))
        XCTAssertEqual(try Baseline.parse("0.25"), .constant(0.25))
        XCTAssertEqual(try Baseline.parse("blur:3"), .blur(sigma: 3))
        XCTAssertThrowsError(try Baseline.parse("purple"))
        XCTAssertThrowsError(try Baseline.parse("1.5"))
    }
}
