import Foundation
import LoupeTensor

/// The `.safetensors` format: an 8-byte little-endian header length N, N bytes of JSON
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}`,
/// then the raw little-endian data, offsets counted from its start.
///
/// Reading accepts F32, F16, BF16, F64, I64, I32, I16, I8, U8 and BOOL, all converted to
/// Float32 (see `StateDict`); writing always stores F32.
enum SafeTensors {
    /// Headers beyond this are refused before parsing (the reference implementation's limit).
    static let maxHeader = 100_000_000

    static func looksLikeSafeTensors(_ data: Data) -> Bool {
        guard data.count >= 10 else { return false }
        let n = data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return n >= 2 && n <= UInt64(data.count - 8) && data[data.startIndex + 8] == UInt8(ascii: "{")
    }

    static func read(_ data: Data, file: String, limits: ResourceLimits = .default) throws -> StateDict {
        guard data.count >= 8 else {
            throw CheckpointError.malformed(file: file, reason: "\(data.count) bytes is too short for a .safetensors header")
        }
        let headerLength = data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(maxHeader), headerLength <= UInt64(data.count - 8) else {
            throw CheckpointError.malformed(
                file: file, reason: "header length \(headerLength) exceeds the file (\(data.count) bytes) or the 100 MB limit")
        }
        let headerData = data.subdata(in: data.startIndex + 8..<data.startIndex + 8 + Int(headerLength))
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: headerData)
        } catch {
            throw CheckpointError.malformed(file: file, reason: "header is not valid JSON: \(error.localizedDescription)")
        }
        guard let header = parsed as? [String: Any] else {
            throw CheckpointError.malformed(file: file, reason: "header is not a JSON object")
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = data.count - dataStart

        var budget = CheckpointBudget(file: file, fileSize: data.count, limits: limits)
        var metadata: [String: String] = [:]
        struct Entry { let key: String; let type: ElementType; let shape: [Int]; let begin: Int; let end: Int }
        var entries: [Entry] = []
        for (key, value) in header {
            if key == "__metadata__" {
                guard let dict = value as? [String: Any] else {
                    throw CheckpointError.malformed(file: file, reason: "__metadata__ is not an object")
                }
                for (k, v) in dict {
                    guard let s = v as? String else {
                        throw CheckpointError.malformed(file: file, reason: "__metadata__['\(k)'] is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            func bad(_ why: String) -> CheckpointError { .badTensor(file: file, key: key, reason: why) }
            guard let info = value as? [String: Any] else { throw bad("entry is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw bad("no dtype") }
            guard let type = ElementType(safeTensorsName: dtypeName) else {
                throw bad("dtype \(dtypeName) is not supported (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL are)")
            }
            guard let shape = integers(info["shape"]) else { throw bad("shape is not a list of integers") }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw bad("data_offsets is not a pair of integers")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw bad("shape \(shape) has a negative dimension") }
            guard let count = checkedCount(shape), let bytes = CheckedSize.multiply(count, type.size) else {
                throw bad("shape \(shape) has more elements than memory can address")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end else { throw bad("data_offsets [\(begin), \(end)] are not an ascending range") }
            guard end <= dataLength else {
                throw bad("data_offsets end \(end) is past the end of the data (\(dataLength) bytes): file truncated?")
            }
            guard end - begin == bytes else {
                throw bad("\(dtypeName) \(shape) needs \(bytes) bytes, data_offsets give \(end - begin)")
            }
            try budget.claimTensor(key, shape: shape)
            entries.append(Entry(key: key, type: type, shape: shape, begin: begin, end: end))
        }
        // File order is data order; ties (empty tensors) by name, for determinism.
        entries.sort { ($0.begin, $0.key) < ($1.begin, $1.key) }
        for (a, b) in zip(entries, entries.dropFirst()) where b.begin < a.end {
            throw CheckpointError.badTensor(file: file, key: b.key, reason: "data overlaps tensor '\(a.key)'")
        }

        var pairs: [(String, Tensor)] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for e in entries {
                let count = (e.end - e.begin) / e.type.size
                var scalars = [Float](repeating: 0, count: count)
                let slice = UnsafeRawBufferPointer(rebasing: raw[(dataStart + e.begin)..<(dataStart + e.end)])
                scalars.withUnsafeMutableBufferPointer { out in
                    if let base = out.baseAddress { e.type.decode(slice, count: count, into: base) }
                }
                pairs.append((e.key, try Tensor(shape: e.shape, scalars: scalars)))
            }
        }
        var state = try StateDict(pairs, source: file)
        state.metadata = metadata
        return state
    }

    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var out: [Int] = []
        for item in list {
            // JSON numbers arrive as NSNumber; only whole numbers are accepted.
            guard let n = item as? NSNumber, let i = Int(exactly: n.doubleValue) else { return nil }
            out.append(i)
        }
        return out
    }

    static func encode(_ state: StateDict, metadata: [String: String]) -> [UInt8] {
        var fields: [String] = []
        if !metadata.isEmpty {
            let items = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            fields.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        var offset = 0
        for key in state.order {
            guard let t = state.tensors[key] else { continue }
            let bytes = t.count * 4
            fields.append("\(jsonString(key)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        var header = Array("{\(fields.joined(separator: ","))}".utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + header.count) % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var out = [UInt8]()
        out.reserveCapacity(8 + header.count + offset)
        var n = UInt64(header.count)
        for _ in 0..<8 { out.append(UInt8(n & 0xFF)); n >>= 8 }
        out += header
        for key in state.order {
            guard let t = state.tensors[key] else { continue }
            t.withScalars { scalars in
                for v in scalars {
                    var bits = v.bitPattern.littleEndian
                    withUnsafeBytes(of: &bits) { out += $0 }
                }
            }
        }
        return out
    }

    static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Writes `state` as `.safetensors` (F32), atomically (temporary file, then rename).
/// `metadata` defaults to the state dict's own.
public func saveSafeTensors(_ state: StateDict, path: String, metadata: [String: String]? = nil) throws {
    let bytes = SafeTensors.encode(state, metadata: metadata ?? state.metadata)
    do {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw CheckpointError.writeFailed(file: path, reason: error.localizedDescription)
    }
}

/// Reads a `.safetensors` file (whatever its first bytes; `loadCheckpoint` guesses).
public func loadSafeTensors(path: String, limits: ResourceLimits = .default) throws -> StateDict {
    var state = try SafeTensors.read(try checkpointBytes(path), file: path, limits: limits)
    state.source = path
    return state
}
