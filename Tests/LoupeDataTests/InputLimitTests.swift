import Foundation
@testable import LoupeData
import LoupeTensor
import XCTest

/// Hostile data-set and image inputs: each is refused with one line naming the file,
/// before it can allocate more than `ResourceLimits` allow.
extension IDXTests {
    /// The bytes of one gzip member holding `bytes`.
    func gzipMember(_ bytes: [UInt8], _ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: try write(bytes, name, gzip: true))))
    }

    func testConcatenatedGzipMembersAreAllReadAndHeldToTheLimit() throws {
        // A valid IDX file split across two members reads as the whole file.
        let data: [UInt8] = (0..<24).map { UInt8($0 * 3) }
        let file = idx([2, 3, 4], data)
        let split = try gzipMember(Array(file[..<10]), "a.gz") + gzipMember(Array(file[10...]), "b.gz")
        let (dims, bytes) = try IDX.decode(split, name: "two.gz")
        XCTAssertEqual(dims, [2, 3, 4])
        XCTAssertEqual(bytes, data)

        // Sixteen members of 64 KiB of zeros each: 1 MiB inflated, against a 256 KiB limit.
        let member = try gzipMember([UInt8](repeating: 0, count: 1 << 16), "z.gz")
        let bomb = [[UInt8]](repeating: member, count: 16).flatMap { $0 }
        var limits = ResourceLimits.default
        limits.maxInflatedBytes = 1 << 18
        XCTAssertThrowsError(try IDX.decode(bomb, name: "bomb.gz", limits: limits)) { error in
            guard let limit = error as? LimitError else { return XCTFail("not a LimitError: \(error)") }
            XCTAssertTrue(limit.description.hasPrefix("bomb.gz: "), limit.description)
            XCTAssertTrue(limit.description.contains("256 KiB limit"), limit.description)
            XCTAssertFalse(limit.description.contains("\n"))
        }
        // The same members within the limit inflate to exactly their sum (not an IDX file).
        XCTAssertEqual(try Gzip.inflate(bomb, name: "ok.gz", limit: 1 << 20).count, 16 << 16)
    }

    func testTruncatedOrTrailingGarbageGzipIsCorrupt() throws {
        let member = try gzipMember(idx([1, 1, 1], [7]), "one.gz")
        XCTAssertThrowsError(try IDX.decode(Array(member.dropLast(5)), name: "cut.gz")) { error in
            XCTAssertEqual(error as? DatasetError, .corrupt("cut.gz", "gzip stream is truncated"))
        }
        XCTAssertThrowsError(try IDX.decode(member + [0x41, 0x42, 0x43], name: "tail.gz")) { error in
            XCTAssertEqual(error as? DatasetError, .corrupt("tail.gz", "gzip data is corrupt"))
        }
        // Zero padding after the last member (tape blocks) is not an error.
        XCTAssertEqual(try IDX.decode(member + [0, 0, 0, 0], name: "pad.gz").bytes, [7])
    }

    func testAnEmptyDataSetIsAnError() throws {
        _ = try write(idx([0, 28, 28], []), "t10k-images-idx3-ubyte")
        _ = try write(idx([0], []), "t10k-labels-idx1-ubyte")
        XCTAssertThrowsError(try IDXDataset.load(folder: dir.path, split: "test")) { error in
            guard case .corrupt(let path, let why)? = error as? DatasetError else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("t10k-images-idx3-ubyte"), path)
            XCTAssertEqual(why, "holds no images (dimensions [0, 28, 28])")
        }
    }

    func testNonRegularFilesAreNamedNotReadForever() throws {
        XCTAssertThrowsError(try Image.load(path: "/dev/zero")) { error in
            XCTAssertEqual(error as? ImageError,
                           .unreadable(path: "/dev/zero", reason: "it is a character device, not a regular file"))
        }
        XCTAssertThrowsError(try IDX.read(path: "/dev/zero")) { error in
            XCTAssertEqual(error as? DatasetError,
                           .corrupt("/dev/zero", "cannot read: it is a character device, not a regular file"))
        }
        XCTAssertThrowsError(try Image.load(path: dir.path)) { error in
            XCTAssertEqual(error as? ImageError, .unreadable(path: dir.path, reason: "it is a directory"))
        }
    }
}

final class ResourceLimitsTests: XCTestCase {
    func testCheckpointBudgetIsAMultipleOfTheFilePlusAnAllowance() {
        let limits = ResourceLimits.default
        XCTAssertEqual(limits.checkpointBudget(fileSize: 5_000_000), 4 * 5_000_000 + 64 * 1_048_576)
        XCTAssertEqual(limits.checkpointBudget(fileSize: Int.max), Int.max, "saturates instead of trapping")
        let capped = limits.withMemoryBudget(1 << 30)
        XCTAssertEqual(capped.checkpointBudget(fileSize: 5_000_000), 1 << 30)
        XCTAssertEqual(capped.maxTensorElements, 1 << 28)
        XCTAssertEqual(limits.withMemoryBudget(1 << 20).maxTensorElements, 1 << 18)
        // A budget above the defaults raises every limit, decompression and tensors included.
        let raised = limits.withMemoryBudget(16 << 30)
        XCTAssertEqual(raised.maxInflatedBytes, 16 << 30)
        XCTAssertEqual(raised.maxTensorElements, 1 << 32)
    }

    func testByteCountsParseAsUsersWriteThem() {
        XCTAssertEqual(ResourceLimits.parseBytes("512M"), 512 * 1_048_576)
        XCTAssertEqual(ResourceLimits.parseBytes("2G"), 2 * 1_073_741_824)
        XCTAssertEqual(ResourceLimits.parseBytes("1.5GiB"), 1_610_612_736)
        XCTAssertEqual(ResourceLimits.parseBytes("4096"), 4096)
        for bad in ["", "-1G", "0", "lots", "1e30", "nanG"] { XCTAssertNil(ResourceLimits.parseBytes(bad), bad) }
    }

    func testCheckedSizesReportOverflowInsteadOfTrapping() throws {
        XCTAssertEqual(CheckedSize.product([2, 3, 4]), 24)
        XCTAssertNil(CheckedSize.product([1 << 32, 1 << 32]))
        XCTAssertNil(CheckedSize.product([-1, 2]))
        XCTAssertThrowsError(try Tensor(shape: [1 << 32, 1 << 32], scalars: []))
        XCTAssertThrowsError(try Tensor.zeros([1 << 40, 1 << 40]))
        XCTAssertThrowsError(try Tensor.conv2dOutputSize(input: 8, padding: (Int.max, 1), kernel: 3, stride: 1, dilation: 1))
        XCTAssertThrowsError(try Tensor.pool2dOutputSize(input: Int.max, kernel: 2, stride: 2, padding: 1))
        // (8 + 1 + 1 − 2·(3 − 1) − 1) / 2 + 1 = 3
        XCTAssertEqual(try Tensor.conv2dOutputSize(input: 8, padding: (1, 1), kernel: 3, stride: 2, dilation: 2), 3)
    }
}
