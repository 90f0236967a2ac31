import Foundation
import LoupeTensor
@testable import LoupeNN
import XCTest

final class SafeTensorsTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try scratchDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testRoundTripKeepsOrderValuesAndMetadata() throws {
        let a = try Tensor(shape: [2, 3], scalars: [1, -2, 3.5, .infinity, 0, -0.25])
        let b = try Tensor(shape: [], scalars: [42])
        let c = try Tensor(shape: [0, 4], scalars: [])
        let state = try StateDict([("z.first", a), ("a.second", b), ("empty", c)])
        let url = dir.appendingPathComponent("w.safetensors")
        try saveSafeTensors(state, path: url.path, metadata: ["format": "pt", "note": "quote \" and \\ and \n"])

        let bytes = [UInt8](try Data(contentsOf: url))
        let headerLength = bytes.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual((8 + headerLength) % 8, 0, "data must start 8-byte aligned")

        let back = try loadCheckpoint(path: url.path)
        XCTAssertEqual(back.order, ["z.first", "a.second", "empty"])
        XCTAssertEqual(try back.tensor("z.first").scalars, a.scalars)
        XCTAssertEqual(try back.tensor("z.first").shape, [2, 3])
        XCTAssertEqual(try back.tensor("a.second").shape, [])
        XCTAssertEqual(try back.tensor("empty").shape, [0, 4])
        XCTAssertEqual(back.metadata, ["format": "pt", "note": "quote \" and \\ and \n"])
    }

    /// A file with a hand-written header and data.
    private func file(_ header: String, _ data: [UInt8], name: String = "h.safetensors") throws -> String {
        let h = Array(header.utf8)
        let n = UInt64(h.count)
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + h + data
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func testReadsOtherDTypesAsFloat32() throws {
        // F16 [1, -2], I64 [5], F64 [0.5], BF16 [-3]: 4 + 8 + 8 + 2 bytes.
        let data = uint16Bytes([0x3C00, 0xC000]) + int64Bytes([5]) + Array(withUnsafeBytes(of: (0.5).bitPattern.littleEndian, Array.init))
            + uint16Bytes([0xC040])
        let path = try file("""
            {"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"n":{"dtype":"I64","shape":[],"data_offsets":[4,12]},
             "d":{"dtype":"F64","shape":[1,1],"data_offsets":[12,20]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[20,22]}}
            """, data)
        let state = try loadCheckpoint(path: path)
        XCTAssertEqual(state.order, ["h", "n", "d", "b"])  // data order
        XCTAssertEqual(try state.tensor("h").scalars, [1, -2])
        XCTAssertEqual(try state.tensor("n").scalars, [5])
        XCTAssertEqual(try state.tensor("d").shape, [1, 1])
        XCTAssertEqual(try state.tensor("d").scalars, [0.5])
        XCTAssertEqual(try state.tensor("b").scalars, [-3])
    }

    private func expectBadTensor(_ key: String, _ header: String, _ data: [UInt8], mentioning: String,
                                 line: UInt = #line) throws {
        let path = try file(header, data)
        XCTAssertThrowsError(try loadCheckpoint(path: path), line: line) { error in
            guard case .badTensor(let f, let k, let reason)? = error as? CheckpointError else {
                return XCTFail("\(error)", line: line)
            }
            XCTAssertEqual(f, path, line: line)
            XCTAssertEqual(k, key, line: line)
            XCTAssertTrue(reason.contains(mentioning), "\(reason)", line: line)
        }
    }

    func testBadHeadersNameTheKey() throws {
        let eight = [UInt8](repeating: 0, count: 8)
        try expectBadTensor("w", #"{"w":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}"#, eight,
                            mentioning: "F8_E4M3")
        // Truncated: the header promises 16 bytes, 8 are there.
        try expectBadTensor("w", #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, eight,
                            mentioning: "past the end")
        try expectBadTensor("w", #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, eight,
                            mentioning: "ascending")
        try expectBadTensor("w", #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, eight,
                            mentioning: "needs 12 bytes")
        try expectBadTensor("w", #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, eight,
                            mentioning: "shape")
        try expectBadTensor("v", #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                            eight, mentioning: "overlaps tensor 'w'")
    }

    func testDamagedContainer() throws {
        let path = try file("{not json", [])
        XCTAssertThrowsError(try loadSafeTensors(path: path)) { error in
            guard case .malformed(let f, _)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(f, path)
        }
        // Header length beyond the file.
        let url = dir.appendingPathComponent("short.safetensors")
        try Data([0xFF, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "{"), UInt8(ascii: "}")]).write(to: url)
        XCTAssertThrowsError(try loadSafeTensors(path: url.path)) { error in
            XCTAssertTrue("\(error)".contains(url.path), "\(error)")
        }
    }
}
