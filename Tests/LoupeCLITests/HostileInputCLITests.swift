import Foundation
import XCTest

/// Hostile files given to the `loupe` binary: each ends with status 2 and one line on
/// stderr naming the file, never a signal, an abort or a multi-gigabyte allocation.
final class HostileInputCLITests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }


    func testOverflowingSafeTensorsWeights() throws {
        let header = Array(#"{"0.weight":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}}"#.utf8)
        let weights = try write("o.safetensors", (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header + [0, 0, 0, 0])
        try assertUserError(["classify", "--arch", "fashion-cnn", "--weights", weights, "x.png"],
                            mentions: ["o.safetensors", "more elements than memory can address"])
    }

    func testHugeSpecSizes() throws {
        let weights = try write("w.safetensors", [])
        for (name, input, layer, says) in [
            ("channels.yaml", "{channels: 1000000000, size: 28}", "flatten", "channels.yaml:2: expected an integer"),
            ("pixels.yaml", "{channels: 100000000, size: 28}", "flatten", "100000000×28×28"),
            ("padding.yaml", "{channels: 1, size: 28}", "conv: {out: 4, kernel: 3, padding: 9223372036854775807}", "padding.yaml:"),
            ("output.yaml", "{channels: 1, size: 28}", "conv: {out: 4, kernel: 3, padding: 65535}", "layer 0's output"),
        ] {
            let spec = try write(name, Array("name: x\ninput: \(input)\nlayers:\n  - \(layer)\n".utf8))
            try assertUserError(["layers", "--spec", spec, "--weights", weights], mentions: [says])
        }
    }

    func testCharacterDeviceAsImage() throws {
        try assertUserError(["classify", "--arch", "fashion-cnn", "--weights", "/dev/zero", "x.png"],
                            mentions: ["/dev/zero", "not a regular file"])
    }

    /// A recipe is read whole before it is parsed: a device would never end, a huge file
    /// would fill memory.
    func testRecipeMustBeASmallRegularFile() throws {
        try assertUserError(["run", "/dev/zero", "--check"], mentions: ["/dev/zero", "not a regular file"])
        let big = try write("big.yaml", Array("steps:\n".utf8) + [UInt8](repeating: UInt8(ascii: "#"), count: 1 << 20))
        try assertUserError(["run", big, "--check"], mentions: ["big.yaml", "larger than 1 MiB"])
        let binary = try write("binary.yaml", [0xff, 0xfe, 0x00, 0x41])
        try assertUserError(["run", binary, "--check"], mentions: ["binary.yaml", "not UTF-8"])
    }
}

extension HostileInputCLITests {
    func testMaxMemoryLowersTheCheckpointBudget() throws {
        // 64 floats against --max-memory 100 (25 floats): refused, naming the flag.
        let header = Array(#"{"0.weight":{"dtype":"F32","shape":[64],"data_offsets":[0,256]}}"#.utf8)
        let weights = try write("w.safetensors", (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header
            + [UInt8](repeating: 0, count: 256))
        try assertUserError(["classify", "--arch", "fashion-cnn", "--weights", weights, "--max-memory", "100", "x.png"],
                            mentions: ["w.safetensors", "64 elements, more than the limit of 25", "--max-memory"])
        // A malformed size is an option error: status 2 and ArgumentParser's usage, as for any option.
        let r = try LoupeBinary.run(["classify", "--arch", "fashion-cnn", "--weights", weights, "--max-memory", "lots", "x.png"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("--max-memory 'lots'"), r.stderr)
    }
}

/// Mistyped options end in one line, like every other user error.
final class OptionErrorCLITests: XCTestCase {
    func testParserErrorsAreOneLineNamingTheValueAndTheChoices() throws {
        for (arguments, says) in [
            (["attack", "x.png", "--method", "foo"], ["'foo'", "fgsm, bim, pgd, mifgsm, apgd, apgd-t, fab-t, square, autoattack, cw", "loupe attack --help"]),
            (["attack", "x.png", "--eps", "-1"], ["'-1'", "--eps"]),
            (["evaluate", "--model", "m.safetensors", "--eps", "-0.5"], ["'-0.5'", "--eps"]),
            (["attack", "x.png", "--steps", "0"], ["--steps must be at least 1"]),
        ] {
            try assertUserError(arguments, mentions: says)
        }
    }
}

extension XCTestCase {
    /// The binary run with `arguments` (and `environment` added to this process's) ends as a
    /// user error: status 2 and one line on stderr that mentions every string in `mentions`.
    func assertUserError(_ arguments: [String], environment: [String: String] = [:], mentions: [String],
                         file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try LoupeBinary.run(arguments, environment: environment)
        XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)", file: file, line: line)
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        XCTAssertEqual(lines.count, 1, "not one line: \(r.stderr)", file: file, line: line)
        for part in mentions { XCTAssertTrue(r.stderr.contains(part), "'\(part)' not in: \(r.stderr)", file: file, line: line) }
    }
}
