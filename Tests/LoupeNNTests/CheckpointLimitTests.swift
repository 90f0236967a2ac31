import Foundation
import LoupeTensor
@testable import LoupeNN
import XCTest
import ZIPFoundation

/// Checkpoints built to exhaust memory or overflow size arithmetic: each is refused with
/// a typed error and one line naming the file, before the allocation it asks for.
final class CheckpointLimitTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try scratchDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func assertOneLine(_ error: Error, contains parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        let text = "\(error)"
        XCTAssertFalse(text.contains("\n") || text.contains("\r"), text, file: file, line: line)
        for part in parts { XCTAssertTrue(text.contains(part), "'\(part)' not in: \(text)", file: file, line: line) }
    }

    func safeTensors(_ header: String, _ data: [UInt8]) -> Data {
        let h = Array(header.utf8)
        return Data((0..<8).map { UInt8(truncatingIfNeeded: h.count >> (8 * $0)) } + h + data)
    }

    func testSafeTensorsShapeOverflowIsNamedNotTrapped() throws {
        let file = safeTensors(#"{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}}"#, [0, 0, 0, 0])
        XCTAssertThrowsError(try decodeCheckpoint(file, name: "o.safetensors")) { error in
            XCTAssertEqual(error as? CheckpointError, .badTensor(
                file: "o.safetensors", key: "w", reason: "shape [4611686018427387904] has more elements than memory can address"))
        }
        // Each dimension fits; their product does not.
        let two = safeTensors(#"{"w":{"dtype":"F16","shape":[4294967296,4294967296],"data_offsets":[0,2]}}"#, [0, 0])
        XCTAssertThrowsError(try decodeCheckpoint(two, name: "p.safetensors")) { error in
            self.assertOneLine(error, contains: ["p.safetensors", "'w'", "more elements than memory can address"])
        }
    }

    func testSafeTensorsTotalIsHeldToTheBudget() throws {
        // Two 1 KiB tensors against a 1.5 KiB budget: the second is refused, whichever
        // order the header lists them in.
        let file = safeTensors(#"{"a":{"dtype":"F32","shape":[256],"data_offsets":[0,1024]},"#
            + #""b":{"dtype":"F32","shape":[256],"data_offsets":[1024,2048]}}"#, [UInt8](repeating: 0, count: 2048))
        var limits = ResourceLimits.default
        limits.maxCheckpointBytes = 1536
        XCTAssertThrowsError(try decodeCheckpoint(file, name: "two.safetensors", limits: limits)) { error in
            XCTAssertTrue(error is LimitError, "\(error)")
            self.assertOneLine(error, contains: ["two.safetensors", "2.0 KiB", "1.5 KiB limit", "--max-memory"])
        }
        limits.maxCheckpointBytes = 2048
        XCTAssertEqual(try decodeCheckpoint(file, name: "two.safetensors", limits: limits).count, 2)
    }

    /// A zip member's local and central headers, found by its name.
    func patchDeclaredSize(_ bytes: inout [UInt8], member: String, to size: UInt32) {
        let name = Array(member.utf8)
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
        // (signature, offset of the uncompressed size, offset of the name) for local and central headers.
        for (signature, sizeAt, nameAt) in [([0x50, 0x4B, 0x03, 0x04] as [UInt8], 22, 30), ([0x50, 0x4B, 0x01, 0x02], 24, 46)] {
            var i = 0
            while i + nameAt + name.count <= bytes.count {
                if Array(bytes[i..<i + 4]) == signature, Array(bytes[i + nameAt..<i + nameAt + name.count]) == name {
                    bytes.replaceSubrange(i + sizeAt..<i + sizeAt + 4, with: le32(size))
                }
                i += 1
            }
        }
    }

    func oneFloatZip(_ tensors: [FakeTensor], storage: [UInt8] = float32Bytes([1])) throws -> [UInt8] {
        let url = dir.appendingPathComponent("z.pth")
        try writeTorchZip(to: url, pickle: stateDictPickle(tensors, legacy: false), storages: [("0", storage)])
        return [UInt8](try Data(contentsOf: url))
    }

    func testZipDeclaringAHugeMemberIsRefusedBeforeReserving() throws {
        let t = FakeTensor(name: "w", storageType: "FloatStorage", key: "0", storageCount: 1, offset: 0, shape: [1], strides: [1])
        var bytes = try oneFloatZip([t])
        patchDeclaredSize(&bytes, member: "archive/data/0", to: 0xFFFF_FFF0)
        XCTAssertThrowsError(try decodeCheckpoint(Data(bytes), name: "big.pth")) { error in
            XCTAssertTrue(error is LimitError, "\(error)")
            self.assertOneLine(error, contains: ["big.pth: archive/data/0", "4.0 GiB", "--max-memory"])
        }
    }

    func testZipBombIsStoppedAtItsDeclaredSizeAndTheBudget() throws {
        // 1 MiB of zeros deflates to about a kilobyte: honest sizes meet a 256 KiB budget.
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let url = dir.appendingPathComponent("bomb.pth")
        let t = FakeTensor(name: "w", storageType: "FloatStorage", key: "0", storageCount: 1 << 18, offset: 0,
                           shape: [1 << 18], strides: [1])
        let archive = try Archive(url: url, accessMode: .create)
        for (path, data) in [("archive/data.pkl", stateDictPickle([t], legacy: false)), ("archive/data/0", zeros)] {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) {
                Data(data[Int($0)..<Int($0) + $1])
            }
        }
        var bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertLessThan(bytes.count, 1 << 16)
        var limits = ResourceLimits.default
        limits.maxCheckpointBytes = 1 << 18
        XCTAssertThrowsError(try decodeCheckpoint(Data(bytes), name: "bomb.pth", limits: limits)) { error in
            XCTAssertTrue(error is LimitError, "\(error)")
            self.assertOneLine(error, contains: ["bomb.pth: archive/data/0", "1.0 MiB", "256 KiB limit"])
        }
        // The same member claiming 16 bytes stops inflating at the 17th.
        patchDeclaredSize(&bytes, member: "archive/data/0", to: 16)
        XCTAssertThrowsError(try decodeCheckpoint(Data(bytes), name: "liar.pth", limits: limits)) { error in
            XCTAssertEqual(error as? CheckpointError, .malformed(
                file: "liar.pth", reason: "archive/data/0 inflates past the 16 bytes its header declares"))
        }
    }

    /// `count` views of one stored float, each `elements` long (torch.zeros(1).expand(n)).
    func broadcastViews(_ count: Int, elements: Int) -> [FakeTensor] {
        (0..<count).map { FakeTensor(name: "t\($0)", storageType: "FloatStorage", key: "0", storageCount: 1, offset: 0,
                                     shape: [elements], strides: [0]) }
    }

    func testStrideZeroViewsAreHeldToATotalInZipAndLegacy() throws {
        // Eight views of 2^16 floats (256 KiB each) against 1 MiB: the fifth does not fit.
        var limits = ResourceLimits.default
        limits.maxCheckpointBytes = 1 << 20
        let views = broadcastViews(8, elements: 1 << 16)
        let zip = try oneFloatZip(views)
        let legacy = legacyFile(pickle: stateDictPickle(views, legacy: true), storages: [("0", 1, float32Bytes([1]))])
        for (name, bytes) in [("z.pth", zip), ("l.pth", legacy)] {
            XCTAssertThrowsError(try decodeCheckpoint(Data(bytes), name: name, limits: limits)) { error in
                XCTAssertEqual(error as? LimitError, LimitError.bytes(
                    "\(name): tensor 't4'", "with the tensors before it, materializing shape [65536]",
                    needed: 5 << 18, limit: 1 << 20, hint: " for this checkpoint (raise it with --max-memory)"))
            }
            limits.maxCheckpointBytes = 2 << 20
            XCTAssertEqual(try decodeCheckpoint(Data(bytes), name: name, limits: limits).count, 8)
            limits.maxCheckpointBytes = 1 << 20
        }
        // The attack as found: 64 × expand(2^26) in a few kilobytes, with the default limits.
        let attack = legacyFile(pickle: stateDictPickle(broadcastViews(64, elements: 1 << 26), legacy: true),
                                storages: [("0", 1, float32Bytes([0]))])
        XCTAssertLessThan(attack.count, 1 << 15)
        XCTAssertThrowsError(try decodeCheckpoint(Data(attack), name: "amp.pth")) { error in
            XCTAssertTrue(error is LimitError, "\(error)")
            self.assertOneLine(error, contains: ["amp.pth: tensor 't0'", "256 MiB", "--max-memory"])
        }
    }

    func testForbiddenGlobalWithControlBytesIsEscaped() throws {
        var p = PickleWriter()
        p.proto()
        p.global("os\u{1B}[2J", "sys\rtem")
        p.stop()
        XCTAssertThrowsError(try decodeCheckpoint(Data(legacyFile(pickle: p.bytes, storages: [])), name: "esc.pth")) { error in
            let text = "\(error)"
            XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 }, text)
            XCTAssertTrue(text.contains(#"'os\u{1B}[2J.sys\u{D}tem'"#), text)
        }
    }
}
