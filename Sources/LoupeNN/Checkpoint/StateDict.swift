import Foundation
import LoupeData
import LoupeTensor
import ZIPFoundation

/// Named tensors as a checkpoint holds them, in the checkpoint's own order (PyTorch's
/// `state_dict()` order, or data order for `.safetensors`).
///
/// Every value is Float32: half, bfloat16 and double are converted, and integer
/// buffers (BatchNorm's `num_batches_tracked`, an int64) are kept as Float32 values —
/// exact up to 2^24, which is all such counters are used for here.
public struct StateDict {
    public private(set) var order: [String] = []
    public private(set) var tensors: [String: Tensor] = [:]
    /// Free-form string metadata (`.safetensors` `__metadata__`).
    public var metadata: [String: String] = [:]
    /// The file it was read from, for error messages.
    public var source: String?

    public init() {}

    /// Builds a state dict from ordered pairs; a repeated key is an error.
    public init(_ pairs: [(String, Tensor)], source: String? = nil) throws {
        self.source = source
        for (key, tensor) in pairs {
            guard tensors[key] == nil else { throw CheckpointError.duplicateKey(file: source ?? "<memory>", key: key) }
            order.append(key)
            tensors[key] = tensor
        }
    }

    public var count: Int { order.count }
    public var keys: [String] { order }

    /// Reads or replaces a tensor; setting a new key appends it, setting nil removes it.
    public subscript(key: String) -> Tensor? {
        get { tensors[key] }
        set {
            if let value = newValue {
                if tensors.updateValue(value, forKey: key) == nil { order.append(key) }
            } else if tensors.removeValue(forKey: key) != nil {
                order.removeAll { $0 == key }
            }
        }
    }

    /// The tensor under `key`, or `CheckpointError.missingKey`.
    public func tensor(_ key: String) throws -> Tensor {
        guard let t = tensors[key] else { throw CheckpointError.missingKey(key) }
        return t
    }

    /// A copy with every key passed through `transform` (e.g. dropping DataParallel's
    /// `module.` prefix); two keys mapping to one is an error.
    public func renamingKeys(_ transform: (String) -> String) throws -> StateDict {
        var out = try StateDict(order.compactMap { k in tensors[k].map { (transform(k), $0) } }, source: source)
        out.metadata = metadata
        return out
    }

    /// Compares the keys and shapes with what a model expects. Returns one error per
    /// problem, in the model's order (missing, or mis-shaped), then the checkpoint's keys
    /// the model does not know, in checkpoint order. Keys for which `ignoring` is true
    /// (e.g. `num_batches_tracked`) are left out on both sides.
    public func mismatches(expected: [(key: String, shape: [Int])],
                           ignoring: (String) -> Bool = { _ in false }) -> [CheckpointError] {
        var problems: [CheckpointError] = []
        var known = Set<String>()
        for (key, shape) in expected where !ignoring(key) {
            known.insert(key)
            guard let t = tensors[key] else { problems.append(.missingKey(key)); continue }
            if t.shape != shape { problems.append(.shapeMismatch(key: key, expected: shape, found: t.shape)) }
        }
        for key in order where !known.contains(key) && !ignoring(key) {
            problems.append(.unexpectedKey(key))
        }
        return problems
    }

    /// `mismatches(expected:ignoring:)` for an unordered expectation (checked in key order).
    public func mismatches(expected: [String: [Int]], ignoring: (String) -> Bool = { _ in false }) -> [CheckpointError] {
        mismatches(expected: expected.sorted { $0.key < $1.key }.map { (key: $0.key, shape: $0.value) },
                   ignoring: ignoring)
    }

    /// Throws `CheckpointError.keyMismatch` listing every problem, if there is any.
    public func checkKeys(expected: [(key: String, shape: [Int])],
                          ignoring: (String) -> Bool = { _ in false }) throws {
        let problems = mismatches(expected: expected, ignoring: ignoring)
        if !problems.isEmpty { throw CheckpointError.keyMismatch(file: source, problems: problems) }
    }

    /// True for bookkeeping buffers that carry no weights (BatchNorm's step counter).
    public static func isBookkeeping(_ key: String) -> Bool { key.hasSuffix("num_batches_tracked") }
}

/// Errors from reading, writing and matching checkpoints. Each names the file and the
/// key, global or offset concerned.
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(String)
    case unreadable(file: String, reason: String)
    case unknownFormat(file: String, reason: String)
    /// The container is damaged (bad header, truncated pickle, missing archive member).
    case malformed(file: String, reason: String)
    /// One tensor's entry is wrong: dtype, shape, offsets, or its data is cut short.
    case badTensor(file: String, key: String, reason: String)
    /// The pickle names a global outside the allow-list; it was rejected before anything ran.
    case forbiddenGlobal(file: String, global: String)
    /// The pickle uses an opcode that `torch.save(state_dict)` never emits.
    case forbiddenOpcode(file: String, opcode: String, offset: Int)
    case duplicateKey(file: String, key: String)
    case writeFailed(file: String, reason: String)
    case missingKey(String)
    case unexpectedKey(String)
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    case keyMismatch(file: String?, problems: [CheckpointError])

    /// One line, whatever the file contains: keys, globals and reasons quote bytes a file
    /// controls, and control characters (ESC, CR, newlines) would reach the terminal raw.
    public var description: String { Self.printable(rawDescription) }

    /// `text` with every control character written as an escape (`\u{1B}`).
    static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private var rawDescription: String {
        switch self {
        case let .fileNotFound(file): return "\(file): no such checkpoint file"
        case let .unreadable(file, reason): return "\(file): cannot read checkpoint: \(reason)"
        case let .unknownFormat(file, reason): return "\(file): not a checkpoint Loupe can read: \(reason)"
        case let .malformed(file, reason): return "\(file): damaged checkpoint: \(reason)"
        case let .badTensor(file, key, reason): return "\(file): tensor '\(key)': \(reason)"
        case let .forbiddenGlobal(file, global):
            return "\(file): refused: the pickle asks for '\(global)', which a PyTorch state dict never needs "
                + "(only tensors, storages and OrderedDict are allowed); nothing was executed"
        case let .forbiddenOpcode(file, opcode, offset):
            return "\(file): refused: pickle opcode \(opcode) at byte \(offset) is not one a state dict uses"
        case let .duplicateKey(file, key): return "\(file): key '\(key)' appears twice"
        case let .writeFailed(file, reason): return "\(file): cannot write checkpoint: \(reason)"
        case let .missingKey(key): return "missing key '\(key)'"
        case let .unexpectedKey(key): return "unexpected key '\(key)'"
        case let .shapeMismatch(key, expected, found):
            return "key '\(key)' has shape \(found) in the checkpoint, the model expects \(expected)"
        case let .keyMismatch(file, problems):
            let head = file.map { "\($0): " } ?? ""
            let shown = problems.prefix(20).map(\.description).joined(separator: "; ")
            let more = problems.count > 20 ? "; and \(problems.count - 20) more" : ""
            return "\(head)checkpoint does not fit the model (\(problems.count) problem"
                + "\(problems.count == 1 ? "" : "s")): \(shown)\(more)"
        }
    }
}

/// Reads a checkpoint, choosing the format from its first bytes: a zip archive ("PK")
/// is PyTorch ≥ 1.6, a pickle (0x80) is PyTorch's legacy format, anything else must be
/// `.safetensors`. Whatever sizes the file declares, it allocates within `limits`.
public func loadCheckpoint(path: String, limits: ResourceLimits = .default) throws -> StateDict {
    let data = try checkpointBytes(path)
    return try decodeCheckpoint(data, name: path, limits: limits) {
        try Archive(url: URL(fileURLWithPath: path), accessMode: .read, pathEncoding: nil)
    }
}

/// Missing files, directories and devices (`/dev/zero` would be read forever) are named as such.
func checkCheckpointFile(_ path: String) throws {
    switch InputFileProblem.check(path) {
    case nil: return
    case .missing?: throw CheckpointError.fileNotFound(path)
    case let problem?: throw CheckpointError.unreadable(file: path, reason: problem.description)
    }
}

/// A checkpoint's bytes decoded as `loadCheckpoint` decodes a file; `name` is used in
/// error messages. A zip goes through a temporary file: ZIPFoundation's in-memory
/// archives trap on a member whose offset lies past the end of the data (found by
/// fuzzing), its file-backed ones report an error.
public func decodeCheckpoint(_ data: Data, name: String = "<memory>",
                             limits: ResourceLimits = .default) throws -> StateDict {
    try decodeCheckpoint(data, name: name, limits: limits) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-\(UUID().uuidString).pth")
        try data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Archive(url: url, accessMode: .read, pathEncoding: nil)
    }
}

private func decodeCheckpoint(_ data: Data, name: String, limits: ResourceLimits,
                              openZip: () throws -> Archive) throws -> StateDict {
    var state: StateDict
    if data.starts(with: [0x50, 0x4B]) {
        state = try TorchCheckpoint.readZip(openZip, file: name, fileSize: data.count, limits: limits)
    } else if data.first == 0x80 {
        state = try TorchCheckpoint.readLegacy(data, file: name, limits: limits)
    } else if SafeTensors.looksLikeSafeTensors(data) {
        state = try SafeTensors.read(data, file: name, limits: limits)
    } else {
        let head = data.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw CheckpointError.unknownFormat(
            file: name, reason: data.isEmpty ? "the file is empty"
                : "neither a PyTorch file (zip or pickle) nor .safetensors (starts with \(head))")
    }
    state.source = name
    return state
}

/// The bytes of the checkpoint file at `path` (a regular file), mapped when possible.
func checkpointBytes(_ path: String) throws -> Data {
    try checkCheckpointFile(path)
    do {
        return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
    } catch {
        throw CheckpointError.unreadable(file: path, reason: error.localizedDescription)
    }
}
