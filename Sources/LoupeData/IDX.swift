import CLoupeZlib
import Foundation

/// The IDX format of MNIST and Fashion-MNIST (LeCun): a big-endian header with a magic
/// number whose third byte is the element type (0x08 = unsigned byte) and fourth the
/// rank, then the dimensions, then the data. Files may be gzip-compressed.
public enum IDX {
    /// Reads an IDX file of unsigned bytes, returning its dimensions and data.
    public static func read(path: String) throws -> (dims: [Int], bytes: [UInt8]) {
        let data = try readMaybeGzip(path: path)
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
        // A corrupt header can declare dimensions whose product overflows; check as we multiply.
        var expected = 1
        for d in dims {
            let (product, overflow) = expected.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw DatasetError.corrupt(path, "dimensions \(dims) need more bytes than any file holds (truncated or corrupt header)")
            }
            expected = product
        }
        let start = 4 + 4 * rank
        guard data.count - start == expected else {
            throw DatasetError.corrupt(path, "dimensions \(dims) need \(expected) bytes of data, found \(data.count - start) (truncated?)")
        }
        return (dims, Array(data[start...]))
    }

    /// The file's bytes, inflated through zlib when it starts with the gzip magic.
    static func readMaybeGzip(path: String) throws -> [UInt8] {
        guard let raw = FileManager.default.contents(atPath: path) else { throw DatasetError.missing(path, hint: nil) }
        let bytes = [UInt8](raw)
        guard bytes.count >= 2, bytes[0] == 0x1f, bytes[1] == 0x8b else { return bytes }
        guard let file = gzopen(path, "rb") else { throw DatasetError.corrupt(path, "cannot open as gzip") }
        defer { gzclose(file) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 4)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 { throw DatasetError.corrupt(path, "gzip data is corrupt") }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        // zlib reads a truncated stream up to the cut without an error; the end check catches it.
        var errnum: Int32 = 0
        _ = gzerror(file, &errnum)
        if errnum != Z_OK && errnum != Z_STREAM_END {
            throw DatasetError.corrupt(path, "gzip stream is truncated or corrupt")
        }
        return out
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
