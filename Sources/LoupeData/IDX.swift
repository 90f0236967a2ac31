import Foundation
import LoupeTensor

/// The IDX format of MNIST and Fashion-MNIST (LeCun): a big-endian header with a magic
/// number whose third byte is the element type (0x08 = unsigned byte) and fourth the
/// rank, then the dimensions, then the data. Files may be gzip-compressed.
public enum IDX {
    /// Reads an IDX file of unsigned bytes, returning its dimensions and data.
    public static func read(path: String, limits: ResourceLimits = .default) throws -> (dims: [Int], bytes: [UInt8]) {
        switch InputFileProblem.check(path) {
        case nil: break
        case .missing?: throw DatasetError.missing(path, hint: nil)
        case let problem?: throw DatasetError.corrupt(path, "cannot read: \(problem)")
        }
        guard let raw = FileManager.default.contents(atPath: path) else { throw DatasetError.missing(path, hint: nil) }
        return try decode([UInt8](raw), name: path, limits: limits)
    }

    /// Decodes IDX bytes, gzip-compressed or not; `name` is used in error messages.
    public static func decode(_ raw: [UInt8], name: String, limits: ResourceLimits = .default) throws -> (dims: [Int], bytes: [UInt8]) {
        let path = name
        let data = raw.starts(with: [0x1f, 0x8b]) ? try Gzip.inflate(raw, name: name, limit: limits.maxInflatedBytes) : raw
        guard data.count >= 4 else { throw DatasetError.corrupt(path, "file is too short for an IDX header") }
        guard data[0] == 0, data[1] == 0 else {
            throw DatasetError.corrupt(path, String(format: "wrong magic number 0x%02x%02x%02x%02x (not an IDX file)", data[0], data[1], data[2], data[3]))
        }
        guard data[2] == 0x08 else {
            throw DatasetError.corrupt(path, String(format: "element type 0x%02x is not unsigned bytes (0x08)", data[2]))
        }
        let rank = Int(data[3])
        guard rank >= 1, rank <= 4, data.count >= 4 + 4 * rank else {
            throw DatasetError.corrupt(path, "header declares rank \(rank) but the file is too short")
        }
        var dims: [Int] = []
        for i in 0..<rank {
            let o = 4 + 4 * i
            dims.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
        }
        // A corrupt header can declare dimensions whose product overflows.
        guard let expected = CheckedSize.product(dims) else {
            throw DatasetError.corrupt(path, "dimensions \(dims) need more bytes than any file holds (truncated or corrupt header)")
        }
        let start = 4 + 4 * rank
        guard data.count - start == expected else {
            throw DatasetError.corrupt(path, "dimensions \(dims) need \(expected) bytes of data, found \(data.count - start) (truncated?)")
        }
        return (dims, Array(data[start...]))
    }
}

public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case missing(String, hint: String?)
    case corrupt(String, String)
    case invalid(String)

    public var description: String {
        switch self {
        case let .missing(path, hint): return "\(path): not found" + (hint.map { "; \($0)" } ?? "")
        case let .corrupt(path, why): return "\(path): \(why)"
        case let .invalid(why): return why
        }
    }
}
