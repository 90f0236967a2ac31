import LoupeNN
import LoupeTensor
@testable import LoupeVis
import XCTest

final class QualityTests: XCTestCase {
    /// On the 2×2 linear model, score = 0·x₀ + 1·x₁ + 2·x₂ + 3·x₃ (row-major pixels).
    func testActivationRatioDividesByTheBestReferenceAndIsNilWhenThatIsNotPositive() throws {
        let model = try TinyNetworks.linear(side: 2)
        let visualization = try Tensor(shape: [2, 1, 2, 2], scalars: [1, 1, 1, 1, 1, 1, 1, 1])  // score 6
        // References score 1, 2 and 0.
        let reference = try Tensor(shape: [3, 1, 2, 2], scalars: [0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0])
        // Item 0 maximizes the score; item 1 its negation, whose best reference is −0 = 0.
        let objectives: [Objective] = [.classLogit(0), .weighted(-1, .classLogit(0))]
        // A batch size of 2 splits the references into two chunks: the maximum spans both.
        let found = try Quality.activationRatios(
            model: model, objectives: objectives, visualizations: visualization, reference: reference, batchSize: 2)
        XCTAssertEqual(found[0].visualization, 6, accuracy: 1e-6)
        XCTAssertEqual(found[0].referenceMax, 2, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(found[0].ratio), 3, accuracy: 1e-6)
        XCTAssertEqual(found[1].visualization, -6, accuracy: 1e-6)
        XCTAssertEqual(found[1].referenceMax, 0, accuracy: 1e-6)
        XCTAssertNil(found[1].ratio, "no ratio to a reference maximum of 0")
    }
}
