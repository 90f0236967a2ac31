import LoupeTensor
@testable import LoupeNN
import XCTest

/// Model specs whose sizes would overflow shape arithmetic or allocate without bound:
/// each is refused while parsing or inferring shapes, before any tensor is allocated.
final class SpecLimitTests: XCTestCase {
    func spec(input: String = "{channels: 1, size: 28}", _ layers: String) -> String {
        "name: hostile\ninput: \(input)\nlayers:\n" + layers.split(separator: "\n").map { "  - \($0)" }.joined(separator: "\n")
    }

    func testSizesBeyondTheBoundsAreRefusedWhileParsing() throws {
        let cases: [(String, String)] = [
            (spec(input: "{channels: 1000000000, size: 28}", "flatten"), "expected an integer from 1 to 268435456"),
            (spec(input: "{channels: 100000000, size: 28}", "flatten"), "an input of 100000000×28×28"),
            (spec(input: "{channels: 1, size: 100000}", "flatten"), "expected an integer from 1 to 65535"),
            (spec("conv: {out: 9223372036854775807, kernel: 3}"), "expected an integer from 1 to 268435456"),
            (spec("conv: {out: 8, kernel: 4611686018427387904}"), "expected an integer from 1 to 65535"),
            (spec("conv: {out: 8, kernel: 3, padding: 4611686018427387904}"), "expected an integer from 0 to 65535"),
            (spec("maxpool: {kernel: 2, stride: 99999999999999999999}"), "expected an integer from 1 to 65535"),
        ]
        for (text, says) in cases {
            XCTAssertThrowsError(try SequentialSpec.parse(text, file: "bad.yaml")) { error in
                XCTAssertTrue(error is SpecError, "\(error)")
                XCTAssertTrue("\(error)".hasPrefix("bad.yaml:"), "\(error)")
                XCTAssertTrue("\(error)".contains(says), "'\(says)' not in: \(error)")
            }
        }
    }

    func testImpliedTensorsBeyondTheLimitAreRefusedBeforeAllocating() throws {
        // Within every per-field bound, yet: a 65535-wide padding makes a 131096² output per
        // channel (68.7 G elements over 4 channels), 60000 × 60000 is a 3.6 G-element weight.
        let cases: [(String, String)] = [
            (spec("conv: {out: 4, kernel: 3, padding: 65535}"), "layer 0's output would be [1, 4, 131096, 131096]"),
            (spec("flatten\nlinear: {out: 60000}\nlinear: {out: 60000}"), "layer 2's weight would be [60000, 60000]"),
            (spec("conv: {out: 65536, kernel: 65535, dilation: 65535}"), "layer 0's weight would be [65536, 1, 65535, 65535]"),
        ]
        for (text, says) in cases {
            let parsed = try SequentialSpec.parse(text, file: "big.yaml")
            XCTAssertThrowsError(try parsed.build()) { error in
                XCTAssertTrue(error is LimitError, "\(error)")
                XCTAssertTrue("\(error)".contains(says), "'\(says)' not in: \(error)")
            }
        }
        // A kernel wider than the padded input is a shape error, not a crash.
        XCTAssertThrowsError(try SequentialSpec.parse(spec("conv: {out: 4, kernel: 3, dilation: 65535}")).build()) { error in
            XCTAssertTrue("\(error)".contains("layer 0"), "\(error)")
        }
    }

    func testInferredShapesMatchTheLayersOwnForward() throws {
        // conv 5×5 pad 2 → 28, pool 2 → 14, conv 3×3 stride 2 dilation 2 → (14 − 4 − 1)/2 + 1 = 5,
        // avgpool 3 stride 1 pad 1 → 5, flatten 6·5·5 = 150.
        let text = spec("conv: {out: 4, kernel: 5, padding: 2}\nrelu\nmaxpool: {kernel: 2}\n"
            + "conv: {out: 6, kernel: 3, stride: 2, dilation: 2, groups: 2}\navgpool: {kernel: 3, stride: 1, padding: 1}\n"
            + "flatten\nlinear: {out: 3}")
        let model = try SequentialSpec.parse(text).build()
        let out = try model.logits(try Tensor.zeros([2, 1, 28, 28]))
        XCTAssertEqual(out.shape, [2, 3])
        XCTAssertEqual(model.network.stateDict().first { $0.0 == "6.weight" }?.1.value.shape, [3, 150])
    }
}
