/// A dense Float32 array of any rank, row-major and contiguous (images are NCHW).
///
/// `Tensor` is a value: copies share storage until one of them is written
/// (Swift arrays are copy-on-write), so passing tensors around is cheap and
/// no caller can see another's mutation. A tensor that takes part in automatic
/// differentiation also carries a reference to its node on the tape; see
/// `Autograd.swift`.
public struct Tensor {
    public private(set) var shape: [Int]
    var storage: TensorStorage
    /// The tape node; `nil` for constants and for anything built under `noGrad`.
    public internal(set) var node: GradNode?

    /// Builds a tensor from its shape and row-major scalars.
    public init(shape: [Int], scalars: [Float]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "Tensor", "negative dimension in shape \(shape)")
        }
        guard let count = CheckedSize.product(shape) else {
            throw TensorError.invalidArgument(op: "Tensor", "shape \(shape) has more elements than memory can address")
        }
        guard count == scalars.count else {
            throw TensorError.invalidArgument(
                op: "Tensor", "shape \(shape) holds \(count) scalars, got \(scalars.count)")
        }
        self.init(unchecked: shape, scalars)
    }

    /// Internal initializer for kernels that have already checked the count.
    init(unchecked shape: [Int], _ scalars: [Float]) {
        assert(shape.reduce(1, *) == scalars.count)
        self.shape = shape
        self.storage = TensorStorage(count: scalars.count)
        scalars.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: $0.count) }
    }

    /// A zero-filled tensor that a kernel then writes through `mutablePointer`.
    init(zeros shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *))
    }

    /// A tensor whose scalars are not zeroed first, for kernels that write every element
    /// (a GEMM with beta 0 would otherwise write multi-megabyte outputs twice).
    init(uninitialized shape: [Int]) {
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *), zeroed: false)
    }

    /// Row-major values, copied out into an array.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.base, count: count)) }

    /// The scalars' address, valid while this tensor value is alive. Swift may end a local's
    /// lifetime at its last use, so take it only from values that outlive the loop reading
    /// it: parameters, values captured by a closure, or outputs returned afterwards.
    var pointer: UnsafePointer<Float> { UnsafePointer(storage.base) }

    /// The scalars' address for writing; copies the storage first if it is shared.
    var mutablePointer: UnsafeMutablePointer<Float> {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
            return storage.base
        }
    }

    public init(_ scalar: Float) {
        self.init(unchecked: [], [scalar])
    }

    /// A 1-D tensor holding `values`.
    public init(_ values: [Float]) {
        self.init(unchecked: [values.count], values)
    }

    public static func full(_ shape: [Int], _ value: Float) throws -> Tensor {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: "full", "negative dimension in shape \(shape)")
        }
        guard CheckedSize.product(shape) != nil else {
            throw TensorError.invalidArgument(op: "full", "shape \(shape) has more elements than memory can address")
        }
        var t = Tensor(zeros: shape)
        if value != 0 { t.mutablePointer.update(repeating: value, count: t.count) }
        return t
    }

    public static func zeros(_ shape: [Int]) throws -> Tensor { try full(shape, 0) }
    public static func ones(_ shape: [Int]) throws -> Tensor { try full(shape, 1) }

    /// Zeros shaped like `other`, never attached to the tape.
    public static func zeros(like other: Tensor) -> Tensor {
        Tensor(zeros: other.shape)
    }

    /// In-place access to the scalars (optimizers, data loaders). The tape node is kept:
    /// updating a parameter's value leaves it the same parameter.
    public mutating func withMutableScalars<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        let base = mutablePointer
        return try withExtendedLifetime(storage) { try body(UnsafeMutableBufferPointer(start: base, count: count)) }
    }

    public func withScalars<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeBufferPointer(start: storage.base, count: count)) }
    }

    public var rank: Int { shape.count }
    public var count: Int { storage.count }

    /// The single scalar of a one-element tensor.
    public var item: Float {
        get throws {
            guard count == 1 else {
                throw TensorError.invalidArgument(op: "item", "tensor of shape \(shape) is not a scalar")
            }
            return scalars[0]
        }
    }

    /// The tensor's value without its tape node: a constant as far as gradients go.
    public var detached: Tensor {
        var t = self
        t.node = nil
        return t
    }

    /// The same scalars under a new shape of equal count (no copy, no tape).
    func viewed(as newShape: [Int]) -> Tensor {
        var t = detached
        t.shape = newShape
        return t
    }

    /// Row-major strides in elements.
    public var strides: [Int] { Tensor.strides(of: shape) }

    static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running *= shape[axis]
        }
        return strides
    }

    /// Resolves a possibly negative axis against this tensor's rank.
    func resolveAxis(_ axis: Int, op: String) throws -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        guard resolved >= 0 && resolved < rank else {
            throw TensorError.invalidArgument(op: op, "axis \(axis) is out of range for shape \(shape)")
        }
        return resolved
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = withScalars { $0.prefix(8) }.map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape)\(count > 0 ? ": " + preview : "")\(count > 8 ? ", …" : ""))"
    }
}

/// Heap storage for a tensor's scalars: one allocation with a stable address, shared
/// between copies of a tensor until one of them writes (copy-on-write).
final class TensorStorage {
    let count: Int
    let base: UnsafeMutablePointer<Float>

    init(count: Int, zeroed: Bool = true) {
        self.count = count
        base = BlockPool.take(count)
        if zeroed { base.initialize(repeating: 0, count: Swift.max(count, 1)) }
    }

    func copy() -> TensorStorage {
        let c = TensorStorage(count: count, zeroed: false)
        c.base.update(from: base, count: count)
        return c
    }

    deinit { BlockPool.give(base, count: count) }
}

/// Errors from tensor operations; each names the operation and what was wrong.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(op: String, [Int], [Int])
    case invalidArgument(op: String, String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, a, b): return "\(op): shapes \(a) and \(b) do not match"
        case let .invalidArgument(op, why): return "\(op): \(why)"
        }
    }
}
