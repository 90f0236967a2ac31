import LoupeNN
import LoupeTensor
import LoupeTesting
import LoupeVis
import XCTest

/// Unpooling through max-pool switches with ties and overlapping windows.
///
/// Input (4×4), max pool 3×3 with stride 1 → 2×2 output; every window's maximum is 7:
///   7 7 1 0
///   2 3 7 6
///   7 1 0 6
///   1 2 6 6
/// The first maximum in row-major order wins a window (PyTorch's rule):
///   window (0,0), rows 0–2 × cols 0–2: 7s at (0,0),(0,1),(1,2),(2,0) → (0,0)
///   window (0,1), rows 0–2 × cols 1–3: 7s at (0,1),(1,2)             → (0,1)
///   window (1,0), rows 1–3 × cols 0–2: 7s at (1,2),(2,0)             → (1,2)
///   window (1,1), rows 1–3 × cols 1–3: 7 only at (1,2)               → (1,2)
/// Keeping the whole pooled map (all 7s) routes 7 to (0,0) and (0,1), and 7 + 7 = 14 to
/// (1,2), where two overlapping windows share their switch.
final class SwitchTests: XCTestCase {
    func model() throws -> Model {
        let linear = try Linear(4, 1)
        return Model(name: "pool", network: Sequential([MaxPool2d(kernel: 3, stride: 1), Flatten(), linear]),
                     preset: TinyNetworks.preset(side: 4))
    }

    let input: [[Float]] = [[7, 7, 1, 0], [2, 3, 7, 6], [7, 1, 0, 6], [1, 2, 6, 6]]

    func testWholeMapFollowsSwitchesAndAccumulates() throws {
        let expected: [Float] = [
            7, 7, 0, 0,
            0, 0, 14, 0,
            0, 0, 0, 0,
            0, 0, 0, 0,
        ]
        let deconv = Deconv(model: try model())
        let first = try deconv.reconstruct(try TinyNetworks.image(input), layer: "0", channels: [0], keep: .map)
        assertClose(first[0].pixels.scalars, expected, tol: 0)
        // Deterministic: a fresh pass gives bit-identical routing.
        for _ in 0..<3 {
            let again = try deconv.reconstruct(try TinyNetworks.image(input), layer: "0", channels: [0], keep: .map)
            XCTAssertEqual(again[0].pixels.scalars, first[0].pixels.scalars)
        }
    }

    func testStrongestUnitTakesItsOwnSwitch() throws {
        // All four pooled values tie at 7; the first, window (0,0), is the kept unit, and
        // its switch is input (0,0).
        let deconv = Deconv(model: try model())
        let r = try deconv.reconstruct(try TinyNetworks.image(input), layer: "0", channels: [0], keep: .unit)
        XCTAssertEqual(r[0].unit?.x, 0)
        XCTAssertEqual(r[0].unit?.y, 0)
        var expected = [Float](repeating: 0, count: 16)
        expected[0] = 7
        XCTAssertEqual(r[0].pixels.scalars, expected)
    }
}
