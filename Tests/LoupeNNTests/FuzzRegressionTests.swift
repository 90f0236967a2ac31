import Foundation
import LoupeData
import LoupeTensor
import LoupeTesting
@testable import LoupeNN
import XCTest

/// Replays every seed and every input a fuzzer once crashed on through the entry point its
/// fuzz target in Fuzz/ drives: each must return or throw. `LOUPE_WRITE_FUZZ_SEEDS=1`
/// regenerates the seeds of these targets (the recipe and sweep seeds are shipped recipes
/// and real run folders, replayed by LoupeCLITests).
final class FuzzRegressionTests: XCTestCase {
    /// The same limits and entry points as Fuzz/Sources/<target>.
    static let entries: [String: ([UInt8]) throws -> Void] = {
        let limits = ResourceLimits.default.withMemoryBudget(256 << 20)
        let checkpoint: ([UInt8]) throws -> Void = { _ = try decodeCheckpoint(Data($0), name: "fuzz", limits: limits) }
        let image: ([UInt8]) throws -> Void = { _ = try Image.decode($0, name: "fuzz", limits: limits) }
        return [
            "FuzzZipPth": checkpoint, "FuzzLegacyPth": checkpoint, "FuzzSafeTensors": checkpoint,
            "FuzzPNG": image, "FuzzJPEG": image,
            "FuzzIDX": { _ = try IDX.decode($0, name: "fuzz", limits: limits) },
            "FuzzSpec": {
                let small = ResourceLimits.default.withMemoryBudget(16 << 20)
                _ = try SequentialSpec.parse(String(decoding: $0, as: UTF8.self), file: "fuzz.yaml", limits: small).build(limits: small)
            },
        ]
    }()

    func testEverySeedAndRegressionReturnsOrThrows() {
        let (replayed, problems) = FuzzInputs.replay(Self.entries)
        XCTAssertEqual(problems, [])
        XCTAssertGreaterThan(replayed, 0, "no corpus under \(FuzzInputs.root.path)")
    }

    func testWriteSeeds() throws {
        guard ProcessInfo.processInfo.environment["LOUPE_WRITE_FUZZ_SEEDS"] == "1" else {
            throw XCTSkip("set LOUPE_WRITE_FUZZ_SEEDS=1 to regenerate Tests/Fuzz/corpus")
        }
        func save(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
            let dir = FuzzInputs.root.appendingPathComponent("corpus").appendingPathComponent(target)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(bytes).write(to: dir.appendingPathComponent(name))
        }
        let tensors = [
            FakeTensor(name: "w", storageType: "FloatStorage", key: "0", storageCount: 6, offset: 0, shape: [2, 3], strides: [3, 1]),
            FakeTensor(name: "t", storageType: "FloatStorage", key: "0", storageCount: 6, offset: 1, shape: [2, 2], strides: [1, 3]),
            FakeTensor(name: "b", storageType: "HalfStorage", key: "1", storageCount: 2, offset: 0, shape: [2], strides: [1]),
            FakeTensor(name: "z", storageType: "FloatStorage", key: "0", storageCount: 6, offset: 0, shape: [4, 3], strides: [0, 1]),
        ]
        let storages = [("0", float32Bytes([1, 2, 3, 4, 5, 6])), ("1", uint16Bytes([0x3C00, 0xC000]))]
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("s.pth")
        try writeTorchZip(to: url, pickle: stateDictPickle(tensors, legacy: false), storages: storages)
        try save("FuzzZipPth", "state-dict.pth", [UInt8](try Data(contentsOf: url)))
        try writeTorchZip(to: url, pickle: stateDictPickle([tensors[0]], legacy: false), storages: [storages[0]], byteorder: nil)
        try save("FuzzZipPth", "no-byteorder.pth", [UInt8](try Data(contentsOf: url)))
        try save("FuzzLegacyPth", "state-dict.pth", legacyFile(pickle: stateDictPickle(tensors, legacy: true),
                                                               storages: [("0", 6, storages[0].1), ("1", 2, storages[1].1)]))
        try save("FuzzLegacyPth", "one.pth", legacyFile(pickle: stateDictPickle([tensors[3]], legacy: true),
                                                        storages: [("0", 6, storages[0].1)]))
        var state = try StateDict([("a", try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])), ("b", Tensor([5]))])
        state.metadata = ["format": "pt"]
        try save("FuzzSafeTensors", "f32.safetensors", SafeTensors.encode(state, metadata: state.metadata))
        let header = Array(#"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"i":{"dtype":"I64","shape":[1],"data_offsets":[4,12]}}"#.utf8)
        try save("FuzzSafeTensors", "mixed.safetensors",
                 (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header + uint16Bytes([0x3C00, 0x4000]) + int64Bytes([7]))
        try save("FuzzSpec", "fashion.yaml", Array("""
            name: f
            input: {channels: 1, size: 12}
            normalization: {mean: [0.5], std: [0.5]}
            classes: [a, b, c]
            layers:
              - conv: {out: 4, kernel: 3, padding: 1, stride: 1, dilation: 1, groups: 1, bias: false}
              - batchnorm: {eps: 0.001, momentum: 0.1}
              - relu6
              - maxpool: {kernel: 2, stride: 2, padding: 1}
              - avgpool: {kernel: 2}
              - dropout: {p: 0.25}
              - flatten
              - linear: {out: 3, bias: true}
              - relu
            """.utf8))
        try save("FuzzSpec", "imagenet.yaml", Array("input: {channels: 3, size: 8}\nclasses: imagenet\nlayers: [flatten, {linear: {out: 2}}]\n".utf8))
        for (name, image) in [("gray.png", try Image(width: 3, height: 2, channels: 1, fill: 9)),
                              ("rgba.png", try Image(width: 2, height: 2, channels: 4, fill: 200)),
                              ("rgb.png", try Image(width: 4, height: 1, channels: 3, fill: 17))] {
            try save("FuzzPNG", name, try image.pngData())
        }
        let jpegs = ["/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAAQAAgBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/AP5P6/1UK//Z"]
        for (i, b64) in jpegs.enumerated() { try save("FuzzJPEG", "seed\(i).jpg", [UInt8](Data(base64Encoded: b64) ?? Data())) }
        let idx: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2] + (0..<8).map { UInt8($0 * 30) }
        try save("FuzzIDX", "images.idx", idx)
        try save("FuzzIDX", "labels.idx", [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 9])
    }
}
