import CLoupeZlib
import Foundation
@testable import LoupeData
import XCTest

final class IDXTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// An IDX file of unsigned bytes: magic 0x0000_08RR, big-endian dimensions, data.
    func idx(_ dims: [Int], _ data: [UInt8], magic: [UInt8]? = nil) -> [UInt8] {
        var out = magic ?? [0, 0, 0x08, UInt8(dims.count)]
        for d in dims { out += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
        return out + data
    }

    func write(_ bytes: [UInt8], _ name: String, gzip: Bool = false) throws -> String {
        let path = dir.appendingPathComponent(name).path
        if gzip {
            guard let file = gzopen(path, "wb") else { throw DatasetError.invalid("gzopen failed") }
            _ = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
            gzclose(file)
        } else {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        return path
    }

    func testReadsPlainAndGzippedFiles() throws {
        let data: [UInt8] = (0..<24).map { UInt8($0 * 10) }
        for gz in [false, true] {
            let path = try write(idx([2, 3, 4], data), "x-\(gz).idx", gzip: gz)
            let (dims, bytes) = try IDX.read(path: path)
            XCTAssertEqual(dims, [2, 3, 4])
            XCTAssertEqual(bytes, data)
        }
    }

    func testRejectsWrongMagicNumber() throws {
        let path = try write(idx([2], [1, 2], magic: [0x1f, 0x00, 0x08, 0x01]), "bad.idx")
        XCTAssertThrowsError(try IDX.read(path: path)) { error in
            XCTAssertTrue("\(error)".contains("wrong magic number 0x1f000801"), "\(error)")
            XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
        }
        let floats = try write(idx([2], [1, 2], magic: [0, 0, 0x0D, 0x01]), "float.idx")
        XCTAssertThrowsError(try IDX.read(path: floats)) { XCTAssertTrue("\($0)".contains("not unsigned bytes"), "\($0)") }
    }

    func testRejectsTruncatedFiles() throws {
        let full = idx([10, 28, 28], [UInt8](repeating: 7, count: 10 * 28 * 28))
        let cut = try write(Array(full.prefix(full.count - 100)), "cut.idx")
        XCTAssertThrowsError(try IDX.read(path: cut)) { error in
            XCTAssertTrue("\(error)".contains("need 7840 bytes of data, found 7740"), "\(error)")
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
        }
        // A gzip stream cut short: zlib itself returns what it could inflate.
        let gz = try write(full, "full.gz", gzip: true)
        let compressed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: gz)))
        let cutGz = try write(Array(compressed.prefix(compressed.count / 2)), "cut.gz")
        XCTAssertThrowsError(try IDX.read(path: cutGz)) { error in
            XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
            XCTAssertTrue("\(error)".hasPrefix(cutGz), "\(error)")
        }
        let header = try write([0, 0, 8], "short.idx")
        XCTAssertThrowsError(try IDX.read(path: header)) { XCTAssertTrue("\($0)".contains("too short"), "\($0)") }
        // Dimensions whose product overflows must not trap.
        let huge = try write(idx([0x7fff_ffff, 0x7fff_ffff, 0x7fff_ffff], [1, 2, 3]), "huge.idx")
        XCTAssertThrowsError(try IDX.read(path: huge)) { XCTAssertTrue("\($0)".contains("truncated"), "\($0)") }
    }

    func testMissingFilesNameThePath() throws {
        let folder = dir.appendingPathComponent("nothing").path
        XCTAssertThrowsError(try IDXDataset.load(folder: folder, split: "train")) { error in
            XCTAssertTrue("\(error)".contains("\(folder)/train-images-idx3-ubyte"), "\(error)")
        }
        XCTAssertThrowsError(try IDXDataset.load(folder: folder, split: "valid")) { XCTAssertTrue("\($0)".contains("valid"), "\($0)") }
    }

    /// A tiny MNIST-style folder through the --data resolver, by path and with a split.
    func testIDXFolderThroughTheSpec() throws {
        let images: [UInt8] = (0..<(3 * 2 * 2)).map { UInt8($0) }
        _ = try write(idx([3, 2, 2], images), "t10k-images-idx3-ubyte", gzip: true)
        _ = try write([0, 0, 8, 1, 0, 0, 0, 3, 2, 0, 1], "t10k-labels-idx1-ubyte")
        let data = try DatasetSpec.load(dir.path + ":test", defaultSplit: "train")
        XCTAssertEqual(data.count, 3)
        XCTAssertEqual(data.labels, [2, 0, 1])
        XCTAssertEqual(data.classes, ["0", "1", "2"])
        let (batch, labels) = try data.batch([2])
        XCTAssertEqual(batch.shape, [1, 1, 2, 2])
        XCTAssertEqual(batch.scalars, [8, 9, 10, 11].map { Float($0) / 255 })
        XCTAssertEqual(labels, [1])
        XCTAssertThrowsError(try DatasetSpec.load(dir.path, defaultSplit: "train")) { error in
            XCTAssertTrue("\(error)".contains("train-images-idx3-ubyte"), "\(error)")
        }
        XCTAssertThrowsError(try DatasetSpec.load(dir.path + ":valid", defaultSplit: "train")) { error in
            XCTAssertTrue("\(error)".contains("unknown split 'valid'"), "\(error)")
        }
        XCTAssertThrowsError(try DatasetSpec.load(dir.path + "/missing", defaultSplit: "train")) { error in
            XCTAssertTrue("\(error)".contains("missing: not found"), "\(error)")
        }
    }

    func testFashionMNISTByName() throws {
        let test = try DatasetSpec.load("fashion-mnist", defaultSplit: "test")
        XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual([test.channels, test.height, test.width], [1, 28, 28])
        XCTAssertEqual(test.classes, IDXDataset.fashionMNISTClasses)
        // Each class has 1,000 test images.
        XCTAssertEqual(Dictionary(grouping: test.labels, by: { $0 }).mapValues(\.count), Dictionary(uniqueKeysWithValues: (0..<10).map { ($0, 1000) }))
        XCTAssertEqual(try DatasetSpec.load("fashion-mnist:train", defaultSplit: "test").count, 60_000)
    }
}

final class ImageFolderTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func save(_ rgb: [UInt8], width: Int, height: Int, to relative: String) throws {
        let url = dir.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let pixels = (0..<(width * height)).flatMap { _ in rgb }
        try Image(width: width, height: height, channels: 3, pixels: pixels).savePNG(path: url.path)
    }

    func testClassesAreSortedSubfoldersAndImagesAreResized() throws {
        try save([255, 0, 0], width: 20, height: 10, to: "root/red/a.png")
        try save([255, 0, 0], width: 8, height: 8, to: "root/red/nested/b.png")
        try save([0, 0, 255], width: 5, height: 9, to: "root/blue/c.png")
        try "not an image".write(to: dir.appendingPathComponent("root/blue/notes.txt"), atomically: true, encoding: .utf8)
        let root = dir.appendingPathComponent("root").path

        let rgb = try DatasetSpec.load(root, defaultSplit: "train", size: 4, channels: 3)
        XCTAssertEqual(rgb.classes, ["blue", "red"])
        XCTAssertEqual(rgb.labels, [0, 1, 1])
        XCTAssertEqual([rgb.channels, rgb.height, rgb.width], [3, 4, 4])
        // CHW: a blue image is 0 in channels 0 and 1 and 1 in channel 2.
        let (blue, _) = try rgb.batch([0])
        XCTAssertEqual(blue.scalars, [Float](repeating: 0, count: 32) + [Float](repeating: 1, count: 16))

        let gray = try ImageFolderDataset.load(folder: root, size: 4, channels: 1)
        // ITU-R 601 luma of pure red: (255·299 + 500) / 1000 = 76.
        XCTAssertEqual(try gray.batch([1]).images.scalars, [Float](repeating: 76 / 255, count: 16))

        // A model's labels fix the order; a folder it does not know is an error naming both.
        let ordered = try ImageFolderDataset.load(folder: root, size: 4, channels: 1, classes: ["red", "green", "blue"])
        XCTAssertEqual(ordered.labels, [2, 0, 0])
        XCTAssertThrowsError(try ImageFolderDataset.load(folder: root, size: 4, channels: 1, classes: ["red"])) { error in
            XCTAssertTrue("\(error)".contains("blue"), "\(error)")
        }
    }

    func testImageFilesPicksVisiblePNGAndJPEGByExtensionOwnOrBelow() throws {
        let folder = dir.appendingPathComponent("pick")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        for name in ["b.PNG", "a.jpeg", "c.jpg", ".hidden.png", "notes.txt", "sub/d.png", "sub/.e.jpg"] {
            try Data([0]).write(to: folder.appendingPathComponent(name))
        }
        let own = try ImageFolderDataset.imageFiles(in: folder.path, recursive: false)
        XCTAssertEqual(own.map { ($0 as NSString).lastPathComponent }, ["a.jpeg", "b.PNG", "c.jpg"])
        XCTAssertTrue(own.allSatisfy { $0.hasPrefix(folder.path + "/") })
        let below = try ImageFolderDataset.imageFiles(in: folder.path)
        XCTAssertEqual(below.map { String($0.dropFirst(folder.path.count + 1)) }, ["a.jpeg", "b.PNG", "c.jpg", "sub/d.png"])
        XCTAssertThrowsError(try ImageFolderDataset.imageFiles(in: folder.appendingPathComponent("absent").path, recursive: false))
    }

    func testTransparentImagesAreFlattenedOntoWhiteBeforeResizing() throws {
        // Transparent red, opaque blue, half-opaque green (a = 128) in a 6×6 pattern.
        let rgba: [[UInt8]] = [[255, 0, 0, 0], [0, 0, 255, 255], [0, 255, 0, 128]]
        // The same over white, by hand: red → white; green → ((0·128 + 255·127 + 127) / 255 = 127, 255, 127).
        let flat: [[UInt8]] = [[255, 255, 255], [0, 0, 255], [127, 255, 127]]
        func pattern(_ colors: [[UInt8]]) -> [UInt8] { (0..<36).flatMap { colors[($0 % 6 + $0 / 6) % 3] } }
        for (name, pixels, channels) in [("alpha", pattern(rgba), 4), ("flat", pattern(flat), 3)] {
            let url = dir.appendingPathComponent("\(name)/only/x.png")
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Image(width: 6, height: 6, channels: channels, pixels: pixels).savePNG(path: url.path)
        }
        for channels in [1, 3] {
            let alpha = try ImageFolderDataset.load(folder: dir.appendingPathComponent("alpha").path, size: 4, channels: channels)
            let flat = try ImageFolderDataset.load(folder: dir.appendingPathComponent("flat").path, size: 4, channels: channels)
            XCTAssertEqual(alpha.pixels, flat.pixels)
        }
    }

    func testSplitSubfoldersAndErrors() throws {
        try save([10, 10, 10], width: 4, height: 4, to: "set/train/a/1.png")
        try save([20, 20, 20], width: 4, height: 4, to: "set/train/b/1.png")
        try save([30, 30, 30], width: 4, height: 4, to: "set/test/a/1.png")
        let set = dir.appendingPathComponent("set").path
        XCTAssertEqual(try DatasetSpec.load(set, defaultSplit: "train", size: 4, channels: 1).count, 2)
        XCTAssertEqual(try DatasetSpec.load(set + ":test", defaultSplit: "train", size: 4, channels: 1).count, 1)

        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty/cat"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try DatasetSpec.load(dir.appendingPathComponent("empty").path, defaultSplit: "train")) { error in
            XCTAssertTrue("\(error)".contains("empty/cat: no PNG or JPEG files"), "\(error)")
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("flat"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try DatasetSpec.load(dir.appendingPathComponent("flat").path, defaultSplit: "train")) { error in
            XCTAssertTrue("\(error)".contains("no class subfolders"), "\(error)")
        }
        try save([1, 2, 3], width: 4, height: 4, to: "noisy/a/ok.png")
        try "garbage".write(to: dir.appendingPathComponent("noisy/a/broken.png"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetSpec.load(dir.appendingPathComponent("noisy").path, defaultSplit: "train")) { error in
            XCTAssertTrue("\(error)".contains("broken.png"), "\(error)")
        }
    }
}
