import Foundation

/// Counts the multiply-add work of the dense kernels (conv, matmul, linear: forward and
/// both gradients), so a benchmark can say what fraction of the machine's SGEMM ceiling a
/// whole workload reaches. Off by default: a benchmark turns it on for one untimed run.
public enum FlopCounter {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var total: Double = 0
    nonisolated(unsafe) public static var enabled = false

    /// Floating-point operations counted since the last `reset` (2 per multiply-add).
    public static var flops: Double { lock.withLock { total } }
    public static func reset() { lock.withLock { total = 0 } }

    @inline(__always)
    static func add(multiplyAdds: Int) {
        guard enabled else { return }
        lock.withLock { total += 2 * Double(multiplyAdds) }
    }
}
