import CLoupeZlib
import Foundation

/// Builds PNG files chunk by chunk (zlib for IDAT, CRC-32 per chunk), so the tests can
/// feed the decoder colour types and bit depths that Loupe's own encoder never writes.
enum PNGBuilder {
    enum ColorType: UInt8 { case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6 }

    /// `rows` holds each row's raw sample bytes (big-endian for 16-bit), without filter bytes.
    static func make(width: Int, height: Int, bitDepth: UInt8, colorType: ColorType,
                     rows: [[UInt8]], extraChunks: [(String, [UInt8])] = []) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = be32(width) + be32(height)
        ihdr += [bitDepth, colorType.rawValue, 0, 0, 0]
        out += chunk("IHDR", ihdr)
        for (type, data) in extraChunks { out += chunk(type, data) }
        var raw: [UInt8] = []
        for row in rows { raw += [0] + row }  // filter type 0 (None) on every row
        out += chunk("IDAT", deflate(raw))
        out += chunk("IEND", [])
        return out
    }

    static func be32(_ v: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16),
         UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    static func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        return be32(data.count) + body + be32(Int(crc))
    }

    static func deflate(_ data: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { dst in
            data.withUnsafeBufferPointer { src in compress(dst.baseAddress, &size, src.baseAddress, uLong(src.count)) }
        }
        precondition(status == Z_OK, "zlib compress failed in a test helper")
        return Array(out.prefix(Int(size)))
    }
}

/// A scratch directory removed when the test ends.
func temporaryDirectory(_ test: String = #function) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("loupe-data-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Where `scripts/fetch-assets.sh` puts the photos.
func photoPath(_ name: String) -> String {
    let home = ProcessInfo.processInfo.environment["LOUPE_HOME"].map { URL(fileURLWithPath: $0) }
        ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/loupe")
    return home.appendingPathComponent("photos/\(name)").path
}
