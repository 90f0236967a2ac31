import LoupeNN
import LoupeTensor
import LoupeTesting
import LoupeVis
import XCTest

/// x^p elementwise: with a linear layer after it, a model whose IG is known in closed form.
final class Power: Module {
    let p: Int
    init(_ p: Int) {
        self.p = p
        super.init()
    }
    override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        var y = x
        for _ in 1..<p { y = try y * x }
        return y
    }
}

/// Integrated Gradients' three rules for the path integral, on F(x) = Σ w_i·x_i^p from a
/// black baseline: along α·x the gradient is p·w_i·α^(p−1)·x_i^(p−1), so the exact IG is
/// w_i·x_i^p and every rule's error is the error of its quadrature of ∫₀¹ p·α^(p−1) dα = 1.
final class IntegrationTests: XCTestCase {
    let w: [Float] = [0.5, -1, 2, 1.5]
    let x: [Float] = [0.9, 0.4, 0.7, 1.0]

    func powerModel(_ p: Int) throws -> Model {
        let linear = try Linear(4, 1)
        linear.weight.value = try Tensor(shape: [1, 4], scalars: w)
        linear.bias?.value = Tensor([0])
        return Model(name: "power\(p)", network: Sequential([Power(p), Flatten(), linear]), preset: TinyNetworks.preset(side: 2))
    }

    func ig(_ p: Int, _ integration: Integration, steps: Int) throws -> AttributionMap {
        var settings = AttributionSettings()
        (settings.integration, settings.steps, settings.batchSize) = (integration, steps, 5)
        return try Attributor(model: try powerModel(p), settings: settings)
            .attribute(try Tensor(shape: [1, 1, 2, 2], scalars: x), target: 0, method: IntegratedGradients())
    }

    func exact(_ p: Int) -> [Float] { zip(w, x).map { w, x in w * Float(pow(Double(x), Double(p))) } }

    func testEveryRuleIsExactOnAQuadraticModel() throws {
        // p = 2: the gradient is linear in α, which trapezoids and a single Gauss node integrate exactly.
        for integration in Integration.allCases {
            for steps in [1, 4] {
                let map = try ig(2, integration, steps: steps)
                assertClose(map.values, exact(2), tol: 1e-5)
                XCTAssertLessThan(map.figures["completeness_error"] ?? 1, 1e-5, "\(integration) \(steps)")
            }
        }
    }

    func testGaussLegendreIsExactForPolynomialsOfItsDegree() throws {
        // p = 6: the integrand 6α⁵ has degree 5 = 2·3 − 1, so three nodes are exact and two are not:
        // two nodes (1 ± 1/√3)/2 with weight 1/2 give 3·(t₁⁵ + t₂⁵) ≈ 0.9167 instead of 1.
        let three = try ig(6, .gausslegendre, steps: 3)
        assertClose(three.values, exact(6), tol: 1e-5)
        XCTAssertEqual(three.figures["gradient_evaluations"], 3)
        let t1 = (1 - 1 / 3.0.squareRoot()) / 2, t2 = (1 + 1 / 3.0.squareRoot()) / 2
        let two = try ig(6, .gausslegendre, steps: 2)
        let factor = 3 * (pow(t1, 5) + pow(t2, 5))
        assertClose(two.values, exact(6).map { $0 * Float(factor) }, tol: 1e-5)
        XCTAssertEqual(two.figures["completeness_error"] ?? 0, 1 - factor, accuracy: 1e-5)
    }

    func testUniformTrapezoidErrorIsEulerMaclaurins() throws {
        // For f = 6α⁵ the Euler–Maclaurin series ends: T_h − ∫ = (B₂/2!)·h²·(f′(1) − f′(0))
        // + (B₄/4!)·h⁴·(f‴(1) − f‴(0)) + (B₆/6!)·h⁶·(f⁽⁵⁾(1) − f⁽⁵⁾(0)) = 2.5h² − 0.5h⁴ + h⁶/42.
        var previous = Double.infinity
        for steps in [4, 16, 64] {
            let h = 1.0 / Double(steps)
            let factor = 1 + 2.5 * h * h - 0.5 * pow(h, 4) + pow(h, 6) / 42
            let map = try ig(6, .uniform, steps: steps)
            assertClose(map.values, exact(6).map { $0 * Float(factor) }, tol: 2e-5)
            XCTAssertEqual(map.figures["gradient_evaluations"], Double(steps + 1))
            let error = try XCTUnwrap(map.figures["completeness_error"])
            XCTAssertEqual(error, factor - 1, accuracy: 1e-5)
            XCTAssertLessThan(error, previous)
            previous = error
        }
    }

    func testAdaptiveGridConvergesAndBeatsItsStartingGrid() throws {
        // The adaptive grid starts from the uniform grid of steps/4 intervals and only adds
        // points, where the trapezoid misses the score's change; its error must fall below
        // that starting grid's (2.5/16² ≈ 0.0098 for 64 steps) and keep falling with more steps.
        let start = try XCTUnwrap(try ig(6, .uniform, steps: 16).figures["completeness_error"])
        let e64 = try XCTUnwrap(try ig(6, .adaptive, steps: 64).figures["completeness_error"])
        let e256 = try XCTUnwrap(try ig(6, .adaptive, steps: 256).figures["completeness_error"])
        XCTAssertLessThan(e64, start / 4)
        XCTAssertLessThan(e256, e64)
        XCTAssertLessThan(e256, 1e-3)
    }

    func testGaussLegendreRuleIntegratesMonomials() throws {
        // ∫₀¹ t^d dt = 1/(d + 1) exactly for d ≤ 2n − 1; degree 2n is beyond the rule.
        for n in [1, 2, 3, 5, 8, 13, 32, 100] {
            let (nodes, weights) = try GaussLegendre.rule(n)
            XCTAssertEqual(nodes.count, n)
            XCTAssertTrue(nodes.allSatisfy { $0 > 0 && $0 < 1 } && nodes == nodes.sorted(), "n = \(n)")
            for d in 0...(2 * n - 1) where d < 60 {
                let sum = zip(nodes, weights).reduce(0.0) { $0 + $1.1 * pow($1.0, Double(d)) }
                XCTAssertEqual(sum, 1 / Double(d + 1), accuracy: 1e-13, "n = \(n), degree \(d)")
            }
            if n <= 5 {
                let sum = zip(nodes, weights).reduce(0.0) { $0 + $1.1 * pow($1.0, Double(2 * n)) }
                XCTAssertGreaterThan(Swift.abs(sum - 1 / Double(2 * n + 1)), 1e-6, "degree 2n must not be exact, n = \(n)")
            }
        }
        // One node: the midpoint rule.
        let one = try GaussLegendre.rule(1)
        XCTAssertEqual(one.nodes, [0.5])
        XCTAssertEqual(one.weights, [1])
    }
}
