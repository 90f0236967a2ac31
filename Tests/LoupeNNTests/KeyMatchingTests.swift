import LoupeTensor
@testable import LoupeNN
import XCTest

final class KeyMatchingTests: XCTestCase {
    func testRenamedKeyAndChangedShapeAreReportedByName() throws {
        // The model expects these; the checkpoint renamed "head.bias" and reshaped "body.weight".
        let expected: [(key: String, shape: [Int])] = [
            ("stem.weight", [8, 3, 3, 3]), ("body.weight", [16, 8]), ("head.bias", [10]),
        ]
        var state = try StateDict([
            ("stem.weight", try .zeros([8, 3, 3, 3])),
            ("body.weight", try .zeros([16, 4])),
            ("head.b", try .zeros([10])),
        ], source: "model.safetensors")
        let problems = state.mismatches(expected: expected)
        XCTAssertEqual(problems, [
            .shapeMismatch(key: "body.weight", expected: [16, 8], found: [16, 4]),
            .missingKey("head.bias"),
            .unexpectedKey("head.b"),
        ])
        XCTAssertThrowsError(try state.checkKeys(expected: expected)) { error in
            let text = "\(error)"
            for fragment in ["model.safetensors", "'body.weight'", "[16, 4]", "[16, 8]", "'head.bias'", "'head.b'"] {
                XCTAssertTrue(text.contains(fragment), "\(fragment) not in: \(text)")
            }
        }

        state["head.bias"] = state["head.b"]
        state["head.b"] = nil
        state["body.weight"] = try .zeros([16, 8])
        XCTAssertNoThrow(try state.checkKeys(expected: expected))
        XCTAssertEqual(state.order, ["stem.weight", "body.weight", "head.bias"])
    }

    func testIgnoredBookkeepingKeys() throws {
        let state = try StateDict([("bn.weight", try .zeros([4])), ("bn.num_batches_tracked", try .zeros([]))])
        XCTAssertEqual(state.mismatches(expected: ["bn.weight": [4]], ignoring: StateDict.isBookkeeping), [])
        XCTAssertEqual(state.mismatches(expected: ["bn.weight": [4]]), [.unexpectedKey("bn.num_batches_tracked")])
    }

    func testDuplicateAndRenamedKeys() throws {
        XCTAssertThrowsError(try StateDict([("a", try .zeros([1])), ("a", try .zeros([1]))]))
        let state = try StateDict([("module.a", try .zeros([1])), ("module.b", try .zeros([2]))])
        let renamed = try state.renamingKeys { $0.hasPrefix("module.") ? String($0.dropFirst(7)) : $0 }
        XCTAssertEqual(renamed.order, ["a", "b"])
        XCTAssertThrowsError(try state.renamingKeys { _ in "same" })
        XCTAssertThrowsError(try state.tensor("zzz")) { error in
            XCTAssertEqual(error as? CheckpointError, .missingKey("zzz"))
        }
    }
}
