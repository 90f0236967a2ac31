/// A restricted unpickler for PyTorch state dicts.
///
/// Python's pickle is a small stack machine whose `GLOBAL` + `REDUCE` opcodes call any
/// importable function, so loading an untrusted `.pth` with `pickle` runs arbitrary
/// code. This one executes nothing: it knows only the opcodes `torch.save(state_dict)`
/// emits (protocols 2–5) and only the globals that rebuild tensors, storages and
/// `OrderedDict`, each of which it interprets itself. Any other global is refused at the
/// `GLOBAL`/`STACK_GLOBAL` opcode that names it — before a `REDUCE` could use it — and any
/// other opcode is refused where it appears.

import Foundation

/// A value on the pickle machine's stack.
///
/// Containers are indices into the unpickler's `PickleHeap`, not nested values: a
/// hostile pickle can nest a million tuples in two bytes each, and a recursive value
/// would then overflow the stack when it is freed. Indices keep every value flat, and
/// make reference cycles (a dict placed inside itself through the memo) harmless.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// A LONG too wide for Int: little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(Int)
    case list(Int)
    case dict(Int)
    /// An allowed global, referenced (not yet called).
    case global(PickleGlobal)
    case storage(StorageRef)
    case tensor(TensorRef)

    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let g): return "global \(g.name)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

/// Every container one pickle builds. Lists and dicts are mutated after creation
/// (APPEND, SETITEM) and may be shared through the memo, so values refer to them by
/// index, as Python refers to objects.
final class PickleHeap {
    private(set) var tuples: [[PickleValue]] = []
    fileprivate(set) var lists: [[PickleValue]] = []
    fileprivate(set) var dicts: [PickleDict] = []

    fileprivate func newTuple(_ items: [PickleValue]) -> PickleValue {
        tuples.append(items)
        return .tuple(tuples.count - 1)
    }

    fileprivate func newList() -> PickleValue {
        lists.append([])
        return .list(lists.count - 1)
    }

    fileprivate func newDict() -> PickleValue {
        dicts.append(PickleDict())
        return .dict(dicts.count - 1)
    }

    func tuple(_ v: PickleValue) -> [PickleValue]? {
        if case .tuple(let i) = v { return tuples[i] }
        return nil
    }

    func list(_ v: PickleValue) -> [PickleValue]? {
        if case .list(let i) = v { return lists[i] }
        return nil
    }

    func dict(_ v: PickleValue) -> PickleDict? {
        if case .dict(let i) = v { return dicts[i] }
        return nil
    }

    /// A short rendering for error messages, at most `depth` levels deep.
    func describe(_ value: PickleValue, depth: Int = 3) -> String {
        switch value {
        case .string(let s): return "'\(s.prefix(80))'"
        case .int(let n): return "\(n)"
        case .tuple(let i):
            guard depth > 0 else { return "(…)" }
            return "(" + tuples[i].prefix(8).map { describe($0, depth: depth - 1) }.joined(separator: ", ") + ")"
        default: return value.kind
        }
    }
}

struct PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var stringIndex: [String: Int] = [:]
    private var intIndex: [Int: Int] = [:]

    /// Python semantics for the key types a state dict uses: assigning an existing
    /// string or int key replaces its value in place, keeping the first position.
    mutating func set(_ key: PickleValue, _ value: PickleValue) {
        switch key {
        case .string(let s):
            if let i = stringIndex[s] { entries[i].value = value; return }
            stringIndex[s] = entries.count
        case .int(let n):
            if let i = intIndex[n] { entries[i].value = value; return }
            intIndex[n] = entries.count
        default:
            break
        }
        entries.append((key, value))
    }
}

/// The only callables and classes a state dict pickle may name.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensor      // torch._utils._rebuild_tensor (old)
    case rebuildTensorV2    // torch._utils._rebuild_tensor_v2
    case rebuildParameter   // torch._utils._rebuild_parameter
    case rebuildParameterWithState
    case storageType(ElementType, String)

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("torch", _):
            guard let type = ElementType(torchStorage: name) else { return nil }
            self = .storageType(type, name)
        default: return nil
        }
    }

    var name: String {
        switch self {
        case .orderedDict: return "collections.OrderedDict"
        case .rebuildTensor: return "torch._utils._rebuild_tensor"
        case .rebuildTensorV2: return "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: return "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: return "torch._utils._rebuild_parameter_with_state"
        case .storageType(_, let n): return "torch.\(n)"
        }
    }
}

/// A typed storage named by a persistent id: `count` elements of `type` starting
/// `offset` elements into the root storage `key` (legacy files may hand out views).
struct StorageRef {
    let key: String
    let type: ElementType
    let offset: Int
    let count: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage.
struct TensorRef {
    let storage: StorageRef
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}

struct RestrictedUnpickler {
    let bytes: [UInt8]
    let file: String
    private(set) var position: Int
    /// Resolves BINPERSID ids; nil means the stream may not contain any.
    var persistentLoad: ((PickleValue, PickleHeap) throws -> PickleValue)?
    /// The containers of the pickle being read (a fresh heap per `load()`).
    private(set) var heap = PickleHeap()

    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]

    init(bytes: [UInt8], start: Int = 0, file: String,
         persistentLoad: ((PickleValue, PickleHeap) throws -> PickleValue)? = nil) {
        self.bytes = bytes
        self.position = start
        self.file = file
        self.persistentLoad = persistentLoad
    }

    /// Runs one pickle up to its STOP and returns its value; `position` is then just
    /// past the STOP (legacy files hold several pickles back to back).
    mutating func load() throws -> PickleValue {
        stack = []
        marks = []
        memo = [:]
        heap = PickleHeap()
        while true {
            let at = position
            let op = try byte()
            switch op {
            case 0x80:  // PROTO
                let version = try byte()
                guard version <= 5 else { throw malformed("pickle protocol \(version) at byte \(at) is newer than 5") }
            case 0x95:  // FRAME: a length hint only
                _ = try fixed(8)
            case UInt8(ascii: "."):  // STOP
                guard let result = stack.popLast(), marks.isEmpty else {
                    throw malformed("STOP at byte \(at) with an empty stack or an open MARK")
                }
                return result
            case UInt8(ascii: "("): marks.append(stack.count)  // MARK
            case UInt8(ascii: "}"): stack.append(heap.newDict())  // EMPTY_DICT
            case UInt8(ascii: "]"): stack.append(heap.newList())  // EMPTY_LIST
            case UInt8(ascii: ")"): stack.append(heap.newTuple([]))  // EMPTY_TUPLE
            case UInt8(ascii: "N"): stack.append(.none)
            case 0x88: stack.append(.bool(true))   // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case UInt8(ascii: "J"):  // BININT
                let v = Int(Int32(bitPattern: UInt32(try littleEndian(4))))
                stack.append(.int(v))
            case UInt8(ascii: "K"):  // BININT1
                let v = Int(try byte())
                stack.append(.int(v))
            case UInt8(ascii: "M"):  // BININT2
                let v = Int(try littleEndian(2))
                stack.append(.int(v))
            case 0x8A:  // LONG1
                let n = Int(try byte())
                let raw = try fixed(n)
                stack.append(long(raw))
            case 0x8B:  // LONG4
                let n = Int(Int32(bitPattern: UInt32(try littleEndian(4))))
                guard n >= 0 else { throw malformed("negative LONG4 length at byte \(at)") }
                let raw = try fixed(n)
                stack.append(long(raw))
            case UInt8(ascii: "G"):  // BINFLOAT (big-endian)
                let raw = try fixed(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                stack.append(.float(Double(bitPattern: raw)))
            case UInt8(ascii: "X"), 0x8C, 0x8D:  // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
                let n = try op == 0x8C ? Int(byte()) : op == 0x8D ? length8(at: at) : Int(littleEndian(4))
                let s = try utf8(n, at: at)
                stack.append(.string(s))
            case UInt8(ascii: "B"), UInt8(ascii: "C"), 0x8E:  // BINBYTES, SHORT_BINBYTES, BINBYTES8
                let n = try op == UInt8(ascii: "C") ? Int(byte()) : op == 0x8E ? length8(at: at) : Int(littleEndian(4))
                let raw = try fixed(n)
                stack.append(.bytes(raw))
            case UInt8(ascii: "q"), UInt8(ascii: "r"), 0x94:  // BINPUT, LONG_BINPUT, MEMOIZE
                let slot = try op == 0x94 ? memo.count : op == UInt8(ascii: "q") ? Int(byte()) : Int(littleEndian(4))
                memo[slot] = try top(at)
            case UInt8(ascii: "h"), UInt8(ascii: "j"):  // BINGET, LONG_BINGET
                let slot = try op == UInt8(ascii: "h") ? Int(byte()) : Int(littleEndian(4))
                let v = try recall(slot, at)
                stack.append(v)
            case UInt8(ascii: "t"), 0x85, 0x86, 0x87:  // TUPLE, TUPLE1, TUPLE2, TUPLE3
                let items = try op == UInt8(ascii: "t") ? popToMark(at) : pop(Int(op - 0x84), at)
                stack.append(heap.newTuple(items))
            case UInt8(ascii: "a"):  // APPEND
                let item = try pop(1, at)
                heap.lists[try list(at)] += item
            case UInt8(ascii: "e"):  // APPENDS
                let items = try popToMark(at)
                heap.lists[try list(at)] += items
            case UInt8(ascii: "s"):  // SETITEM
                let kv = try pop(2, at)
                heap.dicts[try dict(at)].set(kv[0], kv[1])
            case UInt8(ascii: "u"):  // SETITEMS
                let items = try popToMark(at)
                guard items.count % 2 == 0 else { throw malformed("SETITEMS at byte \(at) with an odd item count") }
                let d = try dict(at)
                for i in stride(from: 0, to: items.count, by: 2) { heap.dicts[d].set(items[i], items[i + 1]) }
            case UInt8(ascii: "c"):  // GLOBAL "module\nname\n"
                let module = try line(at)
                let name = try line(at)
                let g = try global(module, name)
                stack.append(.global(g))
            case 0x93:  // STACK_GLOBAL
                let pair = try pop(2, at)
                guard case .string(let module) = pair[0], case .string(let name) = pair[1] else {
                    throw malformed("STACK_GLOBAL at byte \(at) without two strings")
                }
                let g = try global(module, name)
                stack.append(.global(g))
            case UInt8(ascii: "R"):  // REDUCE
                let pair = try pop(2, at)
                guard case .global(let callable) = pair[0], let args = heap.tuple(pair[1]) else {
                    throw malformed("REDUCE at byte \(at) applies \(pair[0].kind) to \(pair[1].kind)")
                }
                let result = try call(callable, args, at)
                stack.append(result)
            case UInt8(ascii: "b"):  // BUILD
                // Only OrderedDict gets state in a state dict: its `_metadata` (module
                // versions), which Loupe has no use for.
                _ = try pop(1, at)
                let target = try top(at)
                guard case .dict = target else {
                    throw malformed("BUILD at byte \(at) on a \(target.kind), only dicts take state here")
                }
            case UInt8(ascii: "Q"):  // BINPERSID
                let id = try pop(1, at)[0]
                guard let resolve = persistentLoad else {
                    throw malformed("persistent id at byte \(at) in a pickle that may not have any")
                }
                let resolved = try resolve(id, heap)
                stack.append(resolved)
            default:
                throw CheckpointError.forbiddenOpcode(file: file, opcode: RestrictedUnpickler.describe(op), offset: at)
            }
        }
    }

    // MARK: the allowed callables

    private func call(_ callable: PickleGlobal, _ args: [PickleValue], _ at: Int) throws -> PickleValue {
        switch callable {
        case .orderedDict:
            let made = heap.newDict()
            guard case .dict(let d) = made else { return made }
            if let first = args.first {
                // OrderedDict([(k, v), ...])
                guard args.count == 1, let pairs = heap.list(first) else {
                    throw malformed("OrderedDict called with \(args.map(\.kind)) at byte \(at)")
                }
                for pair in pairs {
                    guard let kv = heap.tuple(pair), kv.count == 2 else {
                        throw malformed("OrderedDict item is not a pair at byte \(at)")
                    }
                    heap.dicts[d].set(kv[0], kv[1])
                }
            }
            return made
        case .rebuildTensor, .rebuildTensorV2:
            // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
            let arity = callable == .rebuildTensor ? [4] : [6, 7]
            guard arity.contains(args.count), case .storage(let storage) = args[0], case .int(let offset) = args[1],
                  let shape = ints(args[2]), let strides = ints(args[3]) else {
                throw malformed("\(callable.name) called with (\(args.map(\.kind).joined(separator: ", "))) at byte \(at)")
            }
            return .tensor(TensorRef(storage: storage, offset: offset, shape: shape, strides: strides))
        case .rebuildParameter, .rebuildParameterWithState:
            // (data, requires_grad, backward_hooks[, state]): a Parameter is its data here.
            guard args.count == (callable == .rebuildParameter ? 3 : 4), case .tensor = args[0] else {
                throw malformed("\(callable.name) called with (\(args.map(\.kind).joined(separator: ", "))) at byte \(at)")
            }
            return args[0]
        case .storageType:
            throw malformed("\(callable.name) is called at byte \(at); state dicts only name storage types")
        }
    }

    private func ints(_ value: PickleValue) -> [Int]? {
        guard let items = heap.tuple(value) else { return nil }
        var out: [Int] = []
        for item in items {
            guard case .int(let n) = item else { return nil }
            out.append(n)
        }
        return out
    }

    private func global(_ module: String, _ name: String) throws -> PickleGlobal {
        guard let g = PickleGlobal(module: module, name: name) else {
            throw CheckpointError.forbiddenGlobal(file: file, global: "\(module).\(name)")
        }
        return g
    }

    // MARK: reading

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw malformed("pickle ends early at byte \(position)") }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func fixed(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= bytes.count - position else {
            throw malformed("pickle ends early: \(n) bytes wanted at byte \(position), \(bytes.count - position) left")
        }
        defer { position += n }
        return Array(bytes[position..<position + n])
    }

    private mutating func littleEndian(_ n: Int) throws -> UInt64 {
        try fixed(n).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private mutating func length8(at: Int) throws -> Int {
        let n = try littleEndian(8)
        guard n <= UInt64(bytes.count) else { throw malformed("length \(n) at byte \(at) exceeds the file") }
        return Int(n)
    }

    private mutating func utf8(_ n: Int, at: Int) throws -> String {
        guard let s = String(validating: try fixed(n), as: UTF8.self) else {
            throw malformed("string at byte \(at) is not valid UTF-8")
        }
        return s
    }

    private mutating func line(_ at: Int) throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A) else {
            throw malformed("GLOBAL at byte \(at) has no end of line")
        }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private func long(_ raw: [UInt8]) -> PickleValue {
        guard raw.count <= 8 else { return .bigInt(raw) }
        guard !raw.isEmpty else { return .int(0) }
        var v = raw.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if raw.count < 8, raw[raw.count - 1] & 0x80 != 0 { v |= ~UInt64(0) << (8 * raw.count) }  // sign-extend
        return .int(Int(Int64(bitPattern: v)))
    }

    // MARK: the stack

    private func top(_ at: Int) throws -> PickleValue {
        guard let v = stack.last else {
            throw malformed("empty stack at byte \(at)")
        }
        return v
    }

    private func recall(_ index: Int, _ at: Int) throws -> PickleValue {
        guard let v = memo[index] else { throw malformed("memo slot \(index) read before written at byte \(at)") }
        return v
    }

    private mutating func pop(_ n: Int, _ at: Int) throws -> [PickleValue] {
        let floor = marks.last ?? 0
        guard stack.count - n >= floor else { throw malformed("stack underflow at byte \(at)") }
        defer { stack.removeLast(n) }
        return Array(stack.suffix(n))
    }

    private mutating func popToMark(_ at: Int) throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("no MARK for the opcode at byte \(at)") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    /// The heap index of the list on top of the stack.
    private func list(_ at: Int) throws -> Int {
        guard case .list(let l)? = stack.last else { throw malformed("append to a non-list at byte \(at)") }
        return l
    }

    /// The heap index of the dict on top of the stack.
    private func dict(_ at: Int) throws -> Int {
        guard case .dict(let d)? = stack.last else { throw malformed("set item on a non-dict at byte \(at)") }
        return d
    }

    private func malformed(_ why: String) -> CheckpointError { .malformed(file: file, reason: why) }

    /// Names for opcodes that are refused, so the error says what was attempted.
    static func describe(_ op: UInt8) -> String {
        let names: [UInt8: String] = [
            UInt8(ascii: "i"): "INST", UInt8(ascii: "o"): "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX",
            UInt8(ascii: "P"): "PERSID", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4",
            UInt8(ascii: "S"): "STRING", UInt8(ascii: "V"): "UNICODE", UInt8(ascii: "I"): "INT",
            UInt8(ascii: "L"): "LONG", UInt8(ascii: "F"): "FLOAT", UInt8(ascii: "0"): "POP",
            UInt8(ascii: "1"): "POP_MARK", UInt8(ascii: "2"): "DUP", UInt8(ascii: "d"): "DICT",
            UInt8(ascii: "l"): "LIST", UInt8(ascii: "p"): "PUT", UInt8(ascii: "g"): "GET",
            0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x96: "BYTEARRAY8",
            0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
        ]
        let hex = String(format: "0x%02x", op)
        return names[op].map { "\($0) (\(hex))" } ?? hex
    }
}
