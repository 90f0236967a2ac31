import Foundation

/// How much memory one untrusted input (a checkpoint, a compressed data set, an image,
/// a model spec) may make Loupe allocate. A file states sizes before it delivers data,
/// so every loader checks the sizes it is told against these limits before allocating,
/// and every size it derives (shape products, byte counts, offsets) is computed with
/// overflow-checked arithmetic that throws `LimitError` instead of trapping.
///
/// A value passed down to the loaders (`limits: ResourceLimits = .default`), never a
/// process-wide setting; the CLI's `--max-memory` builds one with `withMemoryBudget(_:)`.
public struct ResourceLimits: Sendable, Equatable {
    /// Elements any single tensor read from a file or implied by a model spec may have.
    /// 2^28 Float32 is 1 GiB; VGG-16's largest weight (25088 × 4096) is 2^26.6.
    public var maxTensorElements: Int
    /// A checkpoint may materialize `checkpointFileMultiple × file size + checkpointAllowance`
    /// bytes of Float32 tensors (and, for a zip, inflate as many bytes). The multiple covers
    /// the widening of 8- and 16-bit storages to Float32; the allowance covers the few
    /// legitimately broadcast views (stride 0) that reuse one stored value many times.
    public var checkpointFileMultiple: Int
    public var checkpointAllowance: Int
    /// When set, replaces the file-size rule above with a fixed budget in bytes.
    public var maxCheckpointBytes: Int?
    /// Bytes any single decompression (a gzip data set, a zip member) may produce.
    public var maxInflatedBytes: Int
    /// Image dimensions a decoder accepts, checked from the header before any pixel.
    public var maxImageSide: Int
    public var maxImagePixels: Int

    public init(maxTensorElements: Int = 1 << 28, checkpointFileMultiple: Int = 4, checkpointAllowance: Int = 64 << 20,
                maxCheckpointBytes: Int? = nil, maxInflatedBytes: Int = 2 << 30, maxImageSide: Int = 65_535,
                maxImagePixels: Int = 1 << 27) {
        self.maxTensorElements = maxTensorElements
        self.checkpointFileMultiple = checkpointFileMultiple
        self.checkpointAllowance = checkpointAllowance
        self.maxCheckpointBytes = maxCheckpointBytes
        self.maxInflatedBytes = maxInflatedBytes
        self.maxImageSide = maxImageSide
        self.maxImagePixels = maxImagePixels
    }

    public static let `default` = ResourceLimits()

    /// The bytes of tensors a checkpoint of `fileSize` bytes may materialize.
    public func checkpointBudget(fileSize: Int) -> Int {
        if let maxCheckpointBytes { return maxCheckpointBytes }
        guard let scaled = CheckedSize.multiply(fileSize, checkpointFileMultiple),
              let total = CheckedSize.add(scaled, checkpointAllowance) else { return Int.max }
        return total
    }

    /// These limits with every memory budget set to `bytes` (the CLI's `--max-memory`),
    /// lower or higher than the defaults: checkpoints, decompression, single tensors and
    /// images alike. Image sides keep their own limit (PNG and JPEG headers cap them).
    public func withMemoryBudget(_ bytes: Int) -> ResourceLimits {
        var limits = self
        limits.maxCheckpointBytes = bytes
        limits.maxInflatedBytes = bytes
        limits.maxTensorElements = Swift.max(bytes / MemoryLayout<Float>.size, 1)
        limits.maxImagePixels = Swift.max(bytes / 4, 1)
        return limits
    }

    /// Parses a byte count as a user writes it: `512M`, `2G`, `1.5G`, `1073741824`
    /// (K, M, G, T are powers of 1024; a trailing `B` or `iB` is allowed).
    public static func parseBytes(_ text: String) -> Int? {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        if s.hasSuffix("IB") { s.removeLast(2) } else if s.hasSuffix("B") { s.removeLast() }
        let units: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        var scale = 1.0
        if let last = s.last, let unit = units[last] { scale = unit; s.removeLast() }
        guard let value = Double(s), value.isFinite, value > 0 else { return nil }
        let bytes = value * scale
        guard bytes >= 1, bytes < 0x1p62 else { return nil }
        return Int(bytes)
    }

    /// `bytes` for people: "1.5 GiB", "300 MiB", "12 bytes".
    public static func describe(bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var value = Double(bytes), unit = -1
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        let digits = value < 10 ? 1 : 0
        return String(format: "%.\(digits)f ", value) + units[unit]
    }
}

/// An input asked for more than `ResourceLimits` allow, or for sizes whose arithmetic
/// overflows. `subject` names the file (and key or layer), `what` the request.
public struct LimitError: Error, CustomStringConvertible, Equatable {
    public let subject: String
    public let message: String

    public init(_ subject: String, _ message: String) {
        (self.subject, self.message) = (subject, message)
    }

    /// `what` needs `needed` bytes, more than `limit`.
    public static func bytes(_ subject: String, _ what: String, needed: Int, limit: Int, hint: String = "") -> LimitError {
        LimitError(subject, "\(what) needs \(ResourceLimits.describe(bytes: needed)), more than the "
            + "\(ResourceLimits.describe(bytes: limit)) limit\(hint)")
    }

    public var description: String { "\(subject): \(message)" }
}

/// Overflow-checked size arithmetic for shapes and offsets a file controls.
public enum CheckedSize {
    /// The product of `dims`, or nil when a dimension is negative or the product overflows.
    public static func product<C: Collection>(_ dims: C) -> Int? where C.Element == Int {
        var n = 1
        for d in dims {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            n = p
        }
        return n
    }

    /// `a · b`, or nil on overflow.
    public static func multiply(_ a: Int, _ b: Int) -> Int? {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : p
    }

    /// `a + b`, or nil on overflow.
    public static func add(_ a: Int, _ b: Int) -> Int? {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : s
    }
}
