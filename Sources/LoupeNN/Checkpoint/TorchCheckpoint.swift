import Foundation
import LoupeTensor
import ZIPFoundation

/// PyTorch `.pth` files, read-only, in both layouts `torch.save` has used:
///
/// - zip (torch ≥ 1.6): `<name>/data.pkl` holds the pickled state dict, each storage is
///   the member `<name>/data/<key>`, and `<name>/byteorder` (newer files) says "little";
/// - legacy (torch < 1.6): five things back to back — a pickled magic number, a pickled
///   protocol version (1001), a pickled sys-info dict, the state-dict pickle, a pickled
///   list of storage keys — then, for each key in that list, an 8-byte little-endian
///   element count followed by the storage's raw bytes.
///
/// Both pickles go through `RestrictedUnpickler`; tensors are strided views of storages
/// (`_rebuild_tensor_v2(storage, offset, size, stride, ...)`) and are materialised
/// contiguous here.
enum TorchCheckpoint {
    /// `torch.serialization.MAGIC_NUMBER`, 0x1950a86a20f9469cfc6c, as pickle LONG1 bytes.
    static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    static let legacyProtocolVersion = 1001

    // MARK: zip

    /// `open` gives the archive: from the file for `loadCheckpoint`, from memory for `decodeCheckpoint`.
    static func readZip(_ open: () throws -> Archive, file: String, fileSize: Int,
                        limits: ResourceLimits = .default) throws -> StateDict {
        let archive: Archive
        do {
            archive = try open()
        } catch {
            throw CheckpointError.malformed(file: file, reason: "not a readable zip archive (\(error))")
        }
        var budget = CheckpointBudget(file: file, fileSize: fileSize, limits: limits)
        // The top folder is named after the file torch.save wrote, so find it by data.pkl.
        let pickles = archive.filter { entry in
            let parts = entry.path.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard let pickleEntry = pickles.first, pickles.count == 1 else {
            throw CheckpointError.malformed(
                file: file, reason: pickles.isEmpty ? "the zip has no <folder>/data.pkl: not a PyTorch checkpoint"
                    : "the zip has \(pickles.count) data.pkl files")
        }
        let prefix = String(pickleEntry.path.dropLast("data.pkl".count))
        if let order = archive[prefix + "byteorder"] {
            let text = String(decoding: try extract(order, from: archive, file: file, budget: &budget), as: UTF8.self)
            guard text.trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
                throw CheckpointError.malformed(
                    file: file, reason: "byteorder is '\(text.prefix(40))'; only little-endian files are supported")
            }
        }

        var referenced: [String: ElementType] = [:]
        var unpickler = RestrictedUnpickler(bytes: try extract(pickleEntry, from: archive, file: file, budget: &budget),
                                            file: file)
        unpickler.persistentLoad = { id, heap in
            // ('storage', storage_type, key, location, numel)
            guard let t = heap.tuple(id), t.count == 5, case .string("storage") = t[0],
                  case .global(.storageType(let type, _)) = t[1], case .string(let key) = t[2],
                  case .int(let count) = t[4], count >= 0 else {
                throw CheckpointError.malformed(file: file, reason: "unexpected persistent id \(heap.describe(id))")
            }
            if let seen = referenced[key], seen != type {
                throw CheckpointError.malformed(file: file, reason: "storage \(key) is used as both \(seen) and \(type)")
            }
            referenced[key] = type
            return .storage(StorageRef(key: key, type: type, offset: 0, count: count))
        }
        let root = try unpickler.load()
        let entries = try stateDictEntries(root, heap: unpickler.heap, file: file)

        var storages: [String: [Float]] = [:]
        for (key, type) in referenced {
            guard let member = archive[prefix + "data/" + key] else {
                let owner = entries.first { $0.1.storage.key == key }?.0 ?? "?"
                throw CheckpointError.badTensor(file: file, key: owner, reason: "storage member \(prefix)data/\(key) is missing")
            }
            let raw = try extract(member, from: archive, file: file, budget: &budget)
            storages[key] = decode(raw, type: type, count: raw.count / type.size)
        }
        return try materialize(entries, storages: storages, file: file, budget: &budget)
    }

    /// A member's bytes. The central directory's size is only a claim: it is checked
    /// against the budget before anything is reserved, and the inflated stream is counted
    /// as it arrives, so a member that inflates past its claim or the budget stops there.
    private static func extract(_ entry: Entry, from archive: Archive, file: String,
                                budget: inout CheckpointBudget) throws -> [UInt8] {
        let member = entry.path
        let declared = Int(clamping: entry.uncompressedSize)
        try budget.claimInflated(declared, member: member)
        guard declared <= budget.limits.maxInflatedBytes else {
            throw LimitError.bytes("\(file): \(CheckpointError.printable(member))", "decompressing",
                                   needed: declared, limit: budget.limits.maxInflatedBytes, hint: CheckpointBudget.hint)
        }
        var out: [UInt8] = []
        out.reserveCapacity(declared)
        do {
            _ = try archive.extract(entry, skipCRC32: false) { chunk in
                guard out.count + chunk.count <= declared else { throw InflateOverrun() }
                out += chunk
            }
        } catch is InflateOverrun {
            throw CheckpointError.malformed(
                file: file, reason: "\(CheckpointError.printable(member)) inflates past the \(declared) bytes its header declares")
        } catch {
            throw CheckpointError.malformed(
                file: file, reason: "cannot extract \(CheckpointError.printable(member)) (\(error))")
        }
        return out
    }

    private struct InflateOverrun: Error {}

    // MARK: legacy

    static func readLegacy(_ data: Data, file: String, limits: ResourceLimits = .default) throws -> StateDict {
        var budget = CheckpointBudget(file: file, fileSize: data.count, limits: limits)
        let bytes = [UInt8](data)
        var position = 0
        func next(_ what: String, persistentLoad: ((PickleValue, PickleHeap) throws -> PickleValue)? = nil)
            throws -> (PickleValue, PickleHeap) {
            var u = RestrictedUnpickler(bytes: bytes, start: position, file: file, persistentLoad: persistentLoad)
            do {
                let value = try u.load()
                position = u.position
                return (value, u.heap)
            } catch let CheckpointError.malformed(f, reason) {
                throw CheckpointError.malformed(file: f, reason: "\(what): \(reason)")
            }
        }

        let (magic, _) = try next("magic number")
        guard case .bigInt(let m) = magic, m == legacyMagic else {
            throw CheckpointError.unknownFormat(
                file: file, reason: "a pickle without PyTorch's magic number (plain pickles are not state dicts)")
        }
        guard case .int(legacyProtocolVersion) = try next("protocol version").0 else {
            throw CheckpointError.unknownFormat(file: file, reason: "legacy protocol version is not \(legacyProtocolVersion)")
        }
        let (sysInfo, sysHeap) = try next("sys info")
        if let info = sysHeap.dict(sysInfo) {
            for (k, v) in info.entries {
                if case .string("little_endian") = k, case .bool(false) = v {
                    throw CheckpointError.malformed(file: file, reason: "saved on a big-endian machine; not supported")
                }
            }
        }

        // Root storages by key: element type and element count.
        var roots: [String: (type: ElementType, count: Int)] = [:]
        let (root, heap) = try next("state dict") { id, heap in
            // ('storage', storage_type, root_key, location, numel, view_metadata)
            guard let t = heap.tuple(id), t.count == 6, case .string("storage") = t[0],
                  case .global(.storageType(let type, _)) = t[1], case .string(let key) = t[2],
                  case .int(let count) = t[4], count >= 0 else {
                throw CheckpointError.malformed(file: file, reason: "unexpected persistent id \(heap.describe(id))")
            }
            if let seen = roots[key], seen != (type, count) {
                throw CheckpointError.malformed(file: file, reason: "storage \(key) is described two different ways")
            }
            roots[key] = (type, count)
            if case .none = t[5] {
                return .storage(StorageRef(key: key, type: type, offset: 0, count: count))
            }
            // (view_key, offset, view_size): a slice of the root storage.
            if let view = heap.tuple(t[5]) {
                guard view.count == 3, case .int(let offset) = view[1], case .int(let size) = view[2],
                      offset >= 0, size >= 0, offset <= count - size else {
                    throw CheckpointError.malformed(file: file, reason: "bad storage view \(heap.describe(t[5])) of \(key)")
                }
                return .storage(StorageRef(key: key, type: type, offset: offset, count: size))
            }
            throw CheckpointError.malformed(file: file, reason: "bad storage view \(heap.describe(t[5])) of \(key)")
        }
        let entries = try stateDictEntries(root, heap: heap, file: file)

        let (keys, keyHeap) = try next("storage keys")
        guard let keyList = keyHeap.list(keys) else {
            throw CheckpointError.malformed(file: file, reason: "the storage key list is not a list")
        }
        var storages: [String: [Float]] = [:]
        for item in keyList {
            guard case .string(let key) = item, let root = roots[key] else {
                throw CheckpointError.malformed(file: file, reason: "storage key \(keyHeap.describe(item)) is not used by any tensor")
            }
            let (type, count) = (root.type, root.count)
            let owner = entries.first { $0.1.storage.key == key }?.0 ?? key
            guard bytes.count - position >= 8 else {
                throw CheckpointError.badTensor(file: file, key: owner, reason: "file ends before storage \(key)")
            }
            let stored = bytes[position..<position + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            position += 8
            guard stored == UInt64(count) else {
                throw CheckpointError.badTensor(
                    file: file, key: owner, reason: "storage \(key) holds \(stored) elements, the pickle says \(count)")
            }
            let (length, overflow) = count.multipliedReportingOverflow(by: type.size)
            guard !overflow, bytes.count - position >= length else {
                throw CheckpointError.badTensor(
                    file: file, key: owner,
                    reason: "file truncated: storage \(key) needs \(length) bytes, \(bytes.count - position) left")
            }
            storages[key] = decode(Array(bytes[position..<position + length]), type: type, count: count)
            position += length
        }
        return try materialize(entries, storages: storages, file: file, budget: &budget)
    }

    // MARK: shared

    /// The (name, tensor) pairs of the state dict, in order. Training checkpoints that
    /// wrap the state dict (`{"state_dict": ..., "epoch": 3}`) are unwrapped.
    static func stateDictEntries(_ root: PickleValue, heap: PickleHeap, file: String,
                                 depth: Int = 0) throws -> [(String, TensorRef)] {
        guard let dict = heap.dict(root) else {
            throw CheckpointError.malformed(file: file, reason: "the pickle holds a \(root.kind), not a state dict")
        }
        let allTensors = dict.entries.allSatisfy { if case .tensor = $0.value { return true } else { return false } }
        if !allTensors && depth < 2 {
            for wrapper in ["state_dict", "model_state_dict", "model"] {
                if let inner = dict.entries.first(where: { if case .string(wrapper) = $0.key { return true } else { return false } }),
                   case .dict = inner.value {
                    return try stateDictEntries(inner.value, heap: heap, file: file, depth: depth + 1)
                }
            }
        }
        var out: [(String, TensorRef)] = []
        for (k, v) in dict.entries {
            guard case .string(let key) = k else {
                throw CheckpointError.malformed(file: file, reason: "state dict key \(heap.describe(k)) is not a string")
            }
            guard case .tensor(let ref) = v else {
                throw CheckpointError.badTensor(file: file, key: key, reason: "holds a \(v.kind), not a tensor")
            }
            out.append((key, ref))
        }
        return out
    }

    static func decode(_ raw: [UInt8], type: ElementType, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        raw.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                if let base = dst.baseAddress { type.decode(src, count: count, into: base) }
            }
        }
        return out
    }

    /// Copies each strided view out of its storage into a contiguous tensor, after
    /// checking that every element it addresses lies inside the storage.
    static func materialize(_ entries: [(String, TensorRef)], storages: [String: [Float]],
                            file: String, budget: inout CheckpointBudget) throws -> StateDict {
        var pairs: [(String, Tensor)] = []
        for (key, ref) in entries {
            func bad(_ why: String) -> CheckpointError { .badTensor(file: file, key: key, reason: why) }
            guard let storage = storages[ref.storage.key] else { throw bad("storage \(ref.storage.key) was never written") }
            let available = min(ref.storage.count, storage.count - ref.storage.offset)
            guard ref.shape.count == ref.strides.count else {
                throw bad("size \(ref.shape) and stride \(ref.strides) differ in rank")
            }
            guard ref.shape.allSatisfy({ $0 >= 0 }) else { throw bad("size \(ref.shape) has a negative dimension") }
            guard let count = checkedCount(ref.shape) else { throw bad("size \(ref.shape) has more elements than memory can address") }
            guard ref.offset >= 0, ref.strides.allSatisfy({ $0 >= 0 }) else {
                throw bad("negative storage offset \(ref.offset) or stride \(ref.strides)")
            }
            // Views can repeat elements (stride 0, overlapping strides), so a tiny file could
            // ask for enormous tensors: all of them together are held to the budget.
            try budget.claimTensor(key, shape: ref.shape)
            var scalars = [Float](repeating: 0, count: count)
            if count > 0 {
                var last = ref.offset
                for (d, s) in zip(ref.shape, ref.strides) {
                    let (span, o1) = (d - 1).multipliedReportingOverflow(by: s)
                    let (sum, o2) = last.addingReportingOverflow(span)
                    guard !o1, !o2 else { throw bad("size \(ref.shape) with stride \(ref.strides) overflows") }
                    last = sum
                }
                guard last < available else {
                    throw bad("size \(ref.shape), stride \(ref.strides) at offset \(ref.offset) reaches element \(last), "
                        + "but the storage holds \(available)")
                }
                gather(storage, base: ref.storage.offset + ref.offset, shape: ref.shape, strides: ref.strides, into: &scalars)
            }
            pairs.append((key, try Tensor(shape: ref.shape, scalars: scalars)))
        }
        return try StateDict(pairs, source: file)
    }

    /// Row-major walk over `shape`, reading `source[base + Σ index·stride]`.
    static func gather(_ source: [Float], base: Int, shape: [Int], strides: [Int], into out: inout [Float]) {
        let rank = shape.count
        if rank == 0 { out[0] = source[base]; return }
        if isRowMajor(shape: shape, strides: strides) {
            out.withUnsafeMutableBufferPointer { dst in
                source.withUnsafeBufferPointer { src in
                    guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                    d.update(from: s + base, count: dst.count)
                }
            }
            return
        }
        var index = [Int](repeating: 0, count: rank)
        var offset = base
        let inner = shape[rank - 1], innerStride = strides[rank - 1]
        var o = 0
        while o < out.count {
            for i in 0..<inner { out[o + i] = source[offset + i * innerStride] }
            o += inner
            // Odometer over the outer dimensions.
            var axis = rank - 2
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}

/// True when `strides` are the row-major strides of `shape` (dimensions of size 1 may
/// carry any stride).
func isRowMajor(shape: [Int], strides: [Int]) -> Bool {
    var expected = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
        if strides[axis] != expected { return false }
        expected *= shape[axis]
    }
    return true
}
