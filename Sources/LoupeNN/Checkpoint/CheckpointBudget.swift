import LoupeTensor

/// What one checkpoint may still allocate: the Float32 tensors it materializes and, for
/// a zip, the bytes it inflates each draw on their own budget of
/// `limits.checkpointBudget(fileSize:)` bytes. A tiny file can declare enormous sizes
/// (stride-0 views, zip bombs, forged headers), so every claim is made before the
/// allocation it pays for.
struct CheckpointBudget {
    let file: String
    let limits: ResourceLimits
    let total: Int
    private(set) var tensorBytes = 0
    private(set) var inflatedBytes = 0

    init(file: String, fileSize: Int, limits: ResourceLimits) {
        (self.file, self.limits) = (file, limits)
        total = limits.checkpointBudget(fileSize: fileSize)
    }

    static let hint = " for this checkpoint (raise it with --max-memory)"

    /// Pays for a tensor of `shape` before it is allocated.
    mutating func claimTensor(_ key: String, shape: [Int]) throws {
        let subject = "\(file): tensor '\(CheckpointError.printable(key))'"
        guard let count = CheckedSize.product(shape), let bytes = CheckedSize.multiply(count, MemoryLayout<Float>.size) else {
            throw LimitError(subject, "shape \(shape) has more elements than memory can address")
        }
        guard count <= limits.maxTensorElements else {
            throw LimitError(subject, "shape \(shape) has \(count) elements, more than the limit of "
                + "\(limits.maxTensorElements)\(Self.hint)")
        }
        guard let after = CheckedSize.add(tensorBytes, bytes), after <= total else {
            throw LimitError.bytes(subject, "with the tensors before it, materializing shape \(shape)",
                                   needed: CheckedSize.add(tensorBytes, bytes) ?? Int.max, limit: total, hint: Self.hint)
        }
        tensorBytes = after
    }

    /// Pays for `bytes` more bytes inflated out of the archive; any one member is also held
    /// to `limits.maxInflatedBytes` by its reader.
    mutating func claimInflated(_ bytes: Int, member: String) throws {
        guard let after = CheckedSize.add(inflatedBytes, bytes), after <= total else {
            throw LimitError.bytes("\(file): \(CheckpointError.printable(member))", "decompressing the archive",
                                   needed: CheckedSize.add(inflatedBytes, bytes) ?? Int.max, limit: total, hint: Self.hint)
        }
        inflatedBytes = after
    }
}
