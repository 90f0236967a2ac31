import Foundation

/// NumPy's `.npy` format, version 1.0, for float32 arrays: the raw values of a map, readable
/// with `numpy.load` and no other package, and by hand in any language. The file is the
/// magic `\x93NUMPY`, the version bytes 1 0, a little-endian UInt16 header length, an ASCII
/// header `{'descr': '<f4', 'fortran_order': False, 'shape': (H, W), }` padded with spaces
/// and ended by a newline so the data starts on a multiple of 64 bytes, then the values as
/// little-endian float32 in C (row-major) order.
public enum NPY {
    public static func encode(_ values: [Float], shape: [Int]) throws -> Data {
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o || d < 0)
        }
        guard !overflow, count == values.count else {
            throw ReportError.invalid("an array of shape \(shape) needs \(count) values, got \(values.count)")
        }
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dims), }"
        let preamble = 10   // magic (6) + version (2) + header length (2)
        let padded = (preamble + header.utf8.count + 1 + 63) / 64 * 64
        header += String(repeating: " ", count: padded - preamble - header.utf8.count - 1) + "\n"
        guard let length = UInt16(exactly: header.utf8.count) else {
            throw ReportError.invalid("an array of shape \(shape) has too many axes for an .npy header")
        }
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.reserveCapacity(data.count + 4 * values.count)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
