/// Element types a checkpoint may store, all read into Float32.
enum ElementType: String, CaseIterable {
    case float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool

    var size: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// `.safetensors` dtype names.
    init?(safeTensorsName name: String) {
        let table: [String: ElementType] = [
            "F32": .float32, "F16": .float16, "BF16": .bfloat16, "F64": .float64, "I64": .int64,
            "I32": .int32, "I16": .int16, "I8": .int8, "U8": .uint8, "BOOL": .bool,
        ]
        guard let t = table[name] else { return nil }
        self = t
    }

    /// PyTorch storage class names (`torch.FloatStorage`, …).
    init?(torchStorage name: String) {
        let table: [String: ElementType] = [
            "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16,
            "DoubleStorage": .float64, "LongStorage": .int64, "IntStorage": .int32,
            "ShortStorage": .int16, "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
        ]
        guard let t = table[name] else { return nil }
        self = t
    }

    /// Converts `count` little-endian elements starting at `source` into Float32.
    func decode(_ source: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(source.count >= count * size, "caller checks the byte count")
        switch self {
        case .float32:
            for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .float16:
            for i in 0..<count { out[i] = halfToFloat(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .bfloat16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                out[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        case .float64:
            for i in 0..<count { out[i] = Float(Double(bitPattern: UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)))) }
        case .int64:
            for i in 0..<count { out[i] = Float(Int64(littleEndian: source.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))) }
        case .int32:
            for i in 0..<count { out[i] = Float(Int32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))) }
        case .int16:
            for i in 0..<count { out[i] = Float(Int16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self))) }
        case .int8:
            for i in 0..<count { out[i] = Float(Int8(bitPattern: source[i])) }
        case .uint8:
            for i in 0..<count { out[i] = Float(source[i]) }
        case .bool:
            for i in 0..<count { out[i] = source[i] != 0 ? 1 : 0 }
        }
    }
}

/// IEEE 754 binary16 → binary32, including subnormals, infinities and NaN (written out
/// because `Float16` is not available on every platform Swift supports).
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = Int((h >> 10) & 0x1F)
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0x1F {
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    if exponent == 0 {
        // Zero or subnormal: mantissa · 2^-24.
        let magnitude = Float(mantissa) * 0x1p-24
        return sign != 0 ? -magnitude : magnitude
    }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
}

/// Multiplies dimensions, returning nil on overflow or a negative dimension.
func checkedCount(_ shape: [Int]) -> Int? {
    var n = 1
    for d in shape {
        guard d >= 0 else { return nil }
        let (p, overflow) = n.multipliedReportingOverflow(by: d)
        guard !overflow else { return nil }
        n = p
    }
    return n
}
