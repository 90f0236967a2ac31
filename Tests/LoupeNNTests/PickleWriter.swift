import Foundation
import ZIPFoundation

/// Writes pickle bytes opcode by opcode, the way CPython's pickler does for
/// `torch.save(state_dict)` at protocol 2, so the tests control every byte.
struct PickleWriter {
    var bytes: [UInt8] = []
    private var nextMemo = 0

    mutating func op(_ c: Character) { bytes.append(c.asciiValue!) }
    mutating func proto(_ v: UInt8 = 2) { bytes += [0x80, v] }
    mutating func stop() { op(".") }
    mutating func mark() { op("(") }
    mutating func emptyDict() { op("}") }
    mutating func emptyList() { op("]") }
    mutating func emptyTuple() { op(")") }
    mutating func none() { op("N") }
    mutating func bool(_ v: Bool) { bytes.append(v ? 0x88 : 0x89) }
    mutating func tuple() { op("t") }
    mutating func tuple2() { bytes.append(0x86) }
    mutating func setitem() { op("s") }
    mutating func setitems() { op("u") }
    mutating func appends() { op("e") }
    mutating func reduce() { op("R") }
    mutating func build() { op("b") }
    mutating func binpersid() { op("Q") }

    mutating func global(_ module: String, _ name: String) {
        op("c")
        bytes += Array("\(module)\n\(name)\n".utf8)
    }

    mutating func stackGlobal(_ module: String, _ name: String) {
        string(module)
        string(name)
        bytes.append(0x93)
    }

    /// BINUNICODE (4-byte length), as protocol 2 writes every str.
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        op("X")
        bytes += le(UInt64(utf8.count), 4) + utf8
    }

    /// The smallest integer opcode, as the pickler chooses.
    mutating func int(_ v: Int) {
        switch v {
        case 0...0xFF: op("K"); bytes.append(UInt8(v))
        case 0x100...0xFFFF: op("M"); bytes += le(UInt64(v), 2)
        case Int(Int32.min)...Int(Int32.max): op("J"); bytes += le(UInt64(UInt32(bitPattern: Int32(v))), 4)
        default: bytes += [0x8A, 8] + le(UInt64(bitPattern: Int64(v)), 8)
        }
    }

    mutating func long1(_ raw: [UInt8]) { bytes += [0x8A, UInt8(raw.count)] + raw }

    /// BINPUT or LONG_BINPUT of the next memo slot; returns the slot.
    @discardableResult
    mutating func put() -> Int {
        defer { nextMemo += 1 }
        if nextMemo < 256 { op("q"); bytes.append(UInt8(nextMemo)) } else { op("r"); bytes += le(UInt64(nextMemo), 4) }
        return nextMemo
    }

    mutating func get(_ slot: Int) {
        if slot < 256 { op("h"); bytes.append(UInt8(slot)) } else { op("j"); bytes += le(UInt64(slot), 4) }
    }

    func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
}

/// One tensor of a hand-made state dict: a view into storage `key`.
struct FakeTensor {
    var name: String
    var storageType: String  // "FloatStorage", "HalfStorage", "LongStorage"
    var key: String
    var storageCount: Int
    var offset: Int
    var shape: [Int]
    var strides: [Int]
}

/// Pickles `OrderedDict([(name, _rebuild_tensor_v2(storage, offset, shape, strides, False,
/// OrderedDict())) ...])` with a `_metadata` BUILD, as torch.save does; `legacy` selects
/// the 6-element persistent id of the old format (with a None view) over the zip's 5.
func stateDictPickle(_ tensors: [FakeTensor], legacy: Bool) -> [UInt8] {
    var p = PickleWriter()
    p.proto()
    p.global("collections", "OrderedDict"); let od = p.put()
    p.emptyTuple(); p.reduce(); p.put()
    p.mark()
    var rebuildSlot: Int?
    for t in tensors {
        p.string(t.name); p.put()
        if let slot = rebuildSlot { p.get(slot) } else {
            p.global("torch._utils", "_rebuild_tensor_v2"); rebuildSlot = p.put()
        }
        p.mark()
        // persistent id tuple
        p.mark()
        p.string("storage"); p.put()
        p.global("torch", t.storageType); p.put()
        p.string(t.key); p.put()
        p.string("cpu"); p.put()
        p.int(t.storageCount)
        if legacy { p.none() }
        p.tuple(); p.put()
        p.binpersid()
        p.int(t.offset)
        p.mark(); for d in t.shape { p.int(d) }; p.tuple(); p.put()
        p.mark(); for s in t.strides { p.int(s) }; p.tuple(); p.put()
        p.bool(false)
        p.get(od); p.emptyTuple(); p.reduce(); p.put()  // backward_hooks = OrderedDict()
        p.tuple(); p.put()
        p.reduce(); p.put()
    }
    p.setitems()
    // state: {'_metadata': OrderedDict([('', {'version': 1})])}
    p.emptyDict(); p.put()
    p.string("_metadata"); p.put()
    p.get(od); p.emptyTuple(); p.reduce(); p.put()
    p.string(""); p.put()
    p.emptyDict(); p.put(); p.string("version"); p.put(); p.int(1); p.setitem()
    p.setitem()
    p.setitem()
    p.build()
    p.stop()
    return p.bytes
}

/// The legacy (torch < 1.6) file: magic, protocol, sys info, state dict, storage keys,
/// then each storage as an 8-byte element count and its bytes.
func legacyFile(pickle: [UInt8], storages: [(key: String, count: Int, bytes: [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    var p = PickleWriter()
    p.proto(); p.long1([0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]); p.stop()
    p.proto(); p.int(1001); p.stop()
    p.proto(); p.emptyDict(); p.put(); p.mark()
    p.string("protocol_version"); p.int(1001)
    p.string("little_endian"); p.bool(true)
    p.setitems(); p.stop()
    out += p.bytes
    out += pickle
    var k = PickleWriter()
    k.proto(); k.emptyList(); k.put(); k.mark()
    for s in storages { k.string(s.key); k.put() }
    k.appends(); k.stop()
    out += k.bytes
    for s in storages {
        out += k.le(UInt64(s.count), 8)
        out += s.bytes
    }
    return out
}

/// A zip laid out as torch.save writes it, with members under `archive/`.
func writeTorchZip(to url: URL, pickle: [UInt8], storages: [(key: String, bytes: [UInt8])],
                   byteorder: String? = "little") throws {
    try? FileManager.default.removeItem(at: url)
    let archive = try Archive(url: url, accessMode: .create)
    func add(_ path: String, _ bytes: [UInt8]) throws {
        let data = Data(bytes)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count)) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    try add("archive/data.pkl", pickle)
    if let order = byteorder { try add("archive/byteorder", Array(order.utf8)) }
    for s in storages { try add("archive/data/\(s.key)", s.bytes) }
    try add("archive/version", Array("3\n".utf8))
}

func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32($0))) } }
}

func uint16Bytes(_ values: [UInt16]) -> [UInt8] {
    values.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
}

func int64Bytes(_ values: [Int64]) -> [UInt8] {
    values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> (8 * UInt64($0))) } }
}

func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("loupe-nn-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
