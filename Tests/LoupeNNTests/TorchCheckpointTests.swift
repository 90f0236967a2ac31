import Foundation
import LoupeTensor
@testable import LoupeNN
import XCTest

final class TorchCheckpointTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try scratchDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    // Storage "0": eight floats s_k = k/2 − 1 = [-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5].
    let floatStorage: [Float] = (0..<8).map { Float($0) * 0.5 - 1 }
    // Storage "1": half-precision 1, −2.5, 65504 (largest half) and 2⁻²⁴ (smallest subnormal).
    let halfBits: [UInt16] = [0x3C00, 0xC100, 0x7BFF, 0x0001]

    var tensors: [FakeTensor] {
        [
            // A transposed view at storage offset 2: element [i][j] = s[2 + i + 2j].
            FakeTensor(name: "conv.weight", storageType: "FloatStorage", key: "0", storageCount: 8,
                       offset: 2, shape: [2, 3], strides: [1, 2]),
            // Shares storage "0".
            FakeTensor(name: "conv.bias", storageType: "FloatStorage", key: "0", storageCount: 8,
                       offset: 0, shape: [2], strides: [1]),
            FakeTensor(name: "half", storageType: "HalfStorage", key: "1", storageCount: 4,
                       offset: 0, shape: [4], strides: [1]),
            FakeTensor(name: "bn.num_batches_tracked", storageType: "LongStorage", key: "2", storageCount: 1,
                       offset: 0, shape: [], strides: []),
        ]
    }

    var storageBytes: [(key: String, count: Int, bytes: [UInt8])] {
        [("0", 8, float32Bytes(floatStorage)), ("1", 4, uint16Bytes(halfBits)), ("2", 1, int64Bytes([7]))]
    }

    private func checkContents(_ state: StateDict, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(state.order, ["conv.weight", "conv.bias", "half", "bn.num_batches_tracked"], file: file, line: line)
        let w = try state.tensor("conv.weight")
        XCTAssertEqual(w.shape, [2, 3], file: file, line: line)
        XCTAssertEqual(w.scalars, [0, 1, 2, 0.5, 1.5, 2.5], file: file, line: line)  // s2 s4 s6 / s3 s5 s7
        XCTAssertEqual(try state.tensor("conv.bias").scalars, [-1, -0.5], file: file, line: line)
        XCTAssertEqual(try state.tensor("half").scalars, [1, -2.5, 65504, 0x1p-24], file: file, line: line)
        let n = try state.tensor("bn.num_batches_tracked")
        XCTAssertEqual(n.shape, [], file: file, line: line)
        XCTAssertEqual(n.scalars, [7], file: file, line: line)
    }

    func testZipFormat() throws {
        let url = dir.appendingPathComponent("model.pth")
        try writeTorchZip(to: url, pickle: stateDictPickle(tensors, legacy: false),
                          storages: storageBytes.map { ($0.key, $0.bytes) })
        let state = try loadCheckpoint(path: url.path)
        try checkContents(state)
        XCTAssertEqual(state.source, url.path)
    }

    func testLegacyFormat() throws {
        let url = dir.appendingPathComponent("legacy.pth")
        try Data(legacyFile(pickle: stateDictPickle(tensors, legacy: true), storages: storageBytes)).write(to: url)
        try checkContents(try loadCheckpoint(path: url.path))
    }

    func testLegacyStorageViews() throws {
        // Old torch could hand out a slice of a root storage: view ("0v", offset 3, size 4).
        var p = PickleWriter()
        p.proto(); p.emptyDict(); p.put()
        p.string("x")
        p.global("torch._utils", "_rebuild_tensor_v2")
        p.mark()
        p.mark(); p.string("storage"); p.global("torch", "FloatStorage"); p.string("0"); p.string("cpu"); p.int(8)
        p.mark(); p.string("0v"); p.int(3); p.int(4); p.tuple()
        p.tuple(); p.binpersid()
        p.int(1); p.mark(); p.int(2); p.tuple(); p.mark(); p.int(2); p.tuple(); p.bool(false)
        p.global("collections", "OrderedDict"); p.emptyTuple(); p.reduce()
        p.tuple(); p.reduce()
        p.setitem(); p.stop()
        let url = dir.appendingPathComponent("view.pth")
        try Data(legacyFile(pickle: p.bytes, storages: [storageBytes[0]])).write(to: url)
        // Elements 3 + 1 + {0, 2} of the root: s4, s6.
        XCTAssertEqual(try loadCheckpoint(path: url.path).tensor("x").scalars, [1, 2])
    }

    func testTrainingCheckpointWrapperIsUnwrapped() throws {
        var p = PickleWriter()
        p.proto(); p.emptyDict(); p.put(); p.mark()
        p.string("epoch"); p.int(3)
        p.string("state_dict")
        let inner = stateDictPickle([tensors[1]], legacy: false)
        p.bytes += inner.dropFirst(2).dropLast()  // the OrderedDict without PROTO and STOP
        p.setitems(); p.stop()
        let url = dir.appendingPathComponent("wrapped.pth")
        try writeTorchZip(to: url, pickle: p.bytes, storages: [("0", float32Bytes(floatStorage))])
        XCTAssertEqual(try loadCheckpoint(path: url.path).order, ["conv.bias"])
    }

    // MARK: refusing what a state dict never contains

    private func expectForbiddenGlobal(_ global: String, in pickle: [UInt8], legacy: Bool,
                                       line: UInt = #line) throws {
        let url = dir.appendingPathComponent("evil-\(global).pth")
        if legacy {
            try Data(legacyFile(pickle: pickle, storages: [])).write(to: url)
        } else {
            try writeTorchZip(to: url, pickle: pickle, storages: [])
        }
        XCTAssertThrowsError(try loadCheckpoint(path: url.path), line: line) { error in
            XCTAssertEqual(error as? CheckpointError, .forbiddenGlobal(file: url.path, global: global), line: line)
            XCTAssertTrue("\(error)".contains(global), line: line)
        }
    }

    func testOsSystemAndEvalAreRejectedAndNothingRuns() throws {
        let marker = dir.appendingPathComponent("pwned")
        // os.system("touch <marker>") exactly as pickle would write a __reduce__ payload.
        var p = PickleWriter()
        p.proto(); p.global("os", "system"); p.string("touch \(marker.path)"); p.bytes.append(0x85); p.reduce(); p.stop()
        try expectForbiddenGlobal("os.system", in: p.bytes, legacy: false)
        try expectForbiddenGlobal("os.system", in: p.bytes, legacy: true)

        // builtins.eval through STACK_GLOBAL (protocol 4), hidden inside a state dict value.
        var q = PickleWriter()
        q.proto(4); q.emptyDict(); q.string("w")
        q.stackGlobal("builtins", "eval"); q.string("__import__('os').system('touch \(marker.path)')")
        q.bytes.append(0x85); q.reduce(); q.setitem(); q.stop()
        try expectForbiddenGlobal("builtins.eval", in: q.bytes, legacy: false)

        var r = PickleWriter()
        r.proto(); r.global("posix", "system"); r.string("true"); r.bytes.append(0x85); r.reduce(); r.stop()
        try expectForbiddenGlobal("posix.system", in: r.bytes, legacy: true)

        // A torch name that is not a storage type is refused too.
        var s = PickleWriter()
        s.proto(); s.global("torch", "load"); s.stop()
        try expectForbiddenGlobal("torch.load", in: s.bytes, legacy: false)

        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path))
    }

    func testObjectBuildingOpcodesAreRefused() throws {
        // INST "os\nsystem\n" would instantiate without GLOBAL; NEWOBJ builds arbitrary classes.
        for (name, body) in [("INST", Array("(ios\nsystem\n.".utf8)), ("NEWOBJ", [0x80, 0x02, 0x29, 0x29, 0x81, 0x2E])] {
            let url = dir.appendingPathComponent("\(name).pth")
            try writeTorchZip(to: url, pickle: body, storages: [])
            XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
                guard case .forbiddenOpcode(let f, _, _)? = error as? CheckpointError else {
                    return XCTFail("\(name): \(error)")
                }
                XCTAssertEqual(f, url.path)
            }
        }
    }

    // MARK: damaged files

    func testTruncatedLegacyFileNamesTheTensor() throws {
        let full = legacyFile(pickle: stateDictPickle(tensors, legacy: true), storages: storageBytes)
        let url = dir.appendingPathComponent("cut.pth")
        try Data(full.dropLast(4)).write(to: url)  // storage "2" (the last) loses half its bytes
        XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
            guard case .badTensor(let f, let key, let reason)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(f, url.path)
            XCTAssertEqual(key, "bn.num_batches_tracked")
            XCTAssertTrue(reason.contains("truncated"), reason)
        }
        try Data(full.prefix(200)).write(to: url)  // inside the state-dict pickle
        XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
            guard case .malformed(let f, let reason)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(f, url.path)
            XCTAssertTrue(reason.hasPrefix("state dict"), reason)
        }
    }

    func testMissingOrShortStorageInZip() throws {
        let url = dir.appendingPathComponent("short.pth")
        let pickle = stateDictPickle(tensors, legacy: false)
        try writeTorchZip(to: url, pickle: pickle, storages: [("0", float32Bytes(floatStorage)), ("1", uint16Bytes(halfBits))])
        XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
            XCTAssertEqual((error as? CheckpointError).flatMap { if case .badTensor(_, let k, _) = $0 { return k } else { return nil } },
                           "bn.num_batches_tracked", "\(error)")
        }
        // Storage "0" holds 7 floats instead of 8: the transposed view reaches element 7.
        try writeTorchZip(to: url, pickle: pickle, storages: [
            ("0", float32Bytes(Array(floatStorage.prefix(7)))), ("1", uint16Bytes(halfBits)), ("2", int64Bytes([7])),
        ])
        XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
            XCTAssertTrue("\(error)".contains("'conv.weight'") && "\(error)".contains("element 7"), "\(error)")
        }
    }

    func testUnknownAndMissingFiles() throws {
        let url = dir.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: url)
        XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
            guard case .unknownFormat(let f, _)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(f, url.path)
        }
        let missing = dir.appendingPathComponent("nope.pth").path
        XCTAssertThrowsError(try loadCheckpoint(path: missing)) { error in
            XCTAssertEqual(error as? CheckpointError, .fileNotFound(missing))
        }
        // A plain pickle (pickle.dump, not torch.save) is refused for lack of the magic number.
        var p = PickleWriter()
        p.proto(); p.emptyDict(); p.stop()
        try Data(p.bytes).write(to: url)
        XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
            guard case .unknownFormat = error as? CheckpointError else { return XCTFail("\(error)") }
        }
    }

    // MARK: the real weights

    func testEfficientNetLite0Weights() throws {
        let url: URL
        do { url = try Assets.weights("efficientnet-lite0.pth") } catch { throw XCTSkip("\(error)") }
        let state = try loadCheckpoint(path: url.path)
        XCTAssertEqual(state.count, 296)
        XCTAssertEqual(state.order.first, "_conv_stem.weight")
        XCTAssertEqual(state.order.last, "_fc.bias")
        XCTAssertEqual(state.order.filter(StateDict.isBookkeeping).count, 49)

        // Reference values read by an independent Python script straight from the file's
        // storages (these tensors are saved with non-row-major strides).
        let fc = try state.tensor("_fc.weight")  // stride (1, 1000)
        XCTAssertEqual(fc.shape, [1000, 1280])
        XCTAssertEqual(fc.scalars[0], -0.04561043530702591)
        XCTAssertEqual(fc.scalars[1], -0.09470871090888977)
        XCTAssertEqual(fc.scalars[1280], -0.0049702562391757965)
        XCTAssertEqual(fc.scalars[1000 * 1280 - 1], 0.04085797071456909)
        let stem = try state.tensor("_conv_stem.weight")  // stride (1, 32, 288, 96)
        XCTAssertEqual(stem.shape, [32, 3, 3, 3])
        XCTAssertEqual(stem.scalars[0], -1.1103360652923584)
        XCTAssertEqual(stem.scalars[1 * 9 + 2 * 3 + 0], 0.19146288931369781)
        XCTAssertEqual(stem.scalars[31 * 27 + 2 * 9 + 2 * 3 + 2], 2.2351741790771484e-08)
        XCTAssertEqual(try state.tensor("_bn0.running_var").scalars[0], 1.631428599357605)
        XCTAssertEqual(try state.tensor("_blocks.3._depthwise_conv.weight").shape, [144, 1, 5, 5])
    }
}

final class HostilePickleTests: XCTestCase {
    func testDeepNestingAndCyclesNeitherCrashNorHang() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("deep.pth")

        // A million nested 1-tuples, two bytes each: freeing a recursive value this deep
        // would overflow the stack.
        var p = PickleWriter()
        p.proto(); p.emptyTuple()
        p.bytes += [UInt8](repeating: 0x85, count: 1_000_000)
        p.stop()
        try writeTorchZip(to: url, pickle: p.bytes, storages: [])
        XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
            XCTAssertTrue("\(error)".contains("not a state dict"), "\(error)")
        }

        // d = {}; d["state_dict"] = d; d["epoch"] = 1 — a cycle through the memo.
        var q = PickleWriter()
        q.proto(); q.emptyDict(); let d = q.put()
        q.string("state_dict"); q.get(d); q.setitem()
        q.string("epoch"); q.int(1); q.setitem()
        q.stop()
        try writeTorchZip(to: url, pickle: q.bytes, storages: [])
        XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
            guard case .badTensor(_, let key, _)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "state_dict")
        }
    }
}

extension HostilePickleTests {
    func testBroadcastViewCannotAskForUnboundedMemory() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("huge.pth")
        // One float viewed as 2^20 × 2^20 with zero strides: 4 TiB if materialised.
        let t = FakeTensor(name: "huge", storageType: "FloatStorage", key: "0", storageCount: 1,
                           offset: 0, shape: [1 << 20, 1 << 20], strides: [0, 0])
        try writeTorchZip(to: url, pickle: stateDictPickle([t], legacy: false), storages: [("0", float32Bytes([1]))])
        XCTAssertThrowsError(try loadCheckpoint(path: url.path)) { error in
            XCTAssertTrue("\(error)".contains("'huge'"), "\(error)")
        }
        // A modest broadcast is fine and repeats the element.
        let small = FakeTensor(name: "b", storageType: "FloatStorage", key: "0", storageCount: 1,
                               offset: 0, shape: [2, 3], strides: [0, 0])
        try writeTorchZip(to: url, pickle: stateDictPickle([small], legacy: false), storages: [("0", float32Bytes([4]))])
        XCTAssertEqual(try loadCheckpoint(path: url.path).tensor("b").scalars, [4, 4, 4, 4, 4, 4])
    }
}
