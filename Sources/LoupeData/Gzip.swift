import CLoupeZlib
import LoupeTensor

/// gzip decompression from memory, every member of a multi-member file (RFC 1952 allows
/// members back to back, and `gzip -c a b > c` writes them), held to a byte limit: a few
/// kilobytes of gzip can inflate to gigabytes, one member or thousands concatenated.
public enum Gzip {
    public static func inflate(_ input: [UInt8], name: String, limit: Int) throws -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: a 32 KiB window with the gzip header and trailer checked.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.corrupt(name, "cannot start gzip decompression")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        try input.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            var consumed = 0
            while consumed < source.count {
                stream.next_in = UnsafeMutablePointer(mutating: base + consumed)
                stream.avail_in = UInt32(min(source.count - consumed, Int(UInt32.max)))
                let before = stream.avail_in
                var status = Z_OK
                while status == Z_OK {
                    status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                        stream.next_out = buffer.baseAddress
                        stream.avail_out = UInt32(buffer.count)
                        return CLoupeZlib.inflate(&stream, Z_NO_FLUSH)
                    }
                    let produced = chunk.count - Int(stream.avail_out)
                    guard out.count + produced <= limit else {
                        throw LimitError.bytes(name, "decompressing", needed: out.count + produced, limit: limit,
                                               hint: " (a gzip bomb, or a data set larger than Loupe accepts)")
                    }
                    out += chunk[0..<produced]
                    if status == Z_BUF_ERROR && stream.avail_in == 0 {
                        throw DatasetError.corrupt(name, "gzip stream is truncated")
                    }
                }
                consumed += Int(before - stream.avail_in)
                switch status {
                case Z_STREAM_END:
                    // Another member may follow; trailing zero padding (tape blocks) is ignored.
                    if source[consumed...].allSatisfy({ $0 == 0 }) { return }
                    inflateReset(&stream)
                case Z_BUF_ERROR: throw DatasetError.corrupt(name, "gzip stream is truncated")
                default: throw DatasetError.corrupt(name, "gzip data is corrupt")
                }
            }
        }
        return out
    }
}
