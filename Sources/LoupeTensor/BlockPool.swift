import Foundation

/// Recycles large tensor buffers by exact size. A forward + backward pass allocates the
/// same activation shapes step after step; glibc serves blocks above 32 MB (its largest
/// mmap threshold) with fresh pages, so every such tensor cost a page fault per 4 KB and a
/// kernel zero-fill, ~10% of an EfficientNet batch-8 gradient pass. Freed blocks of at
/// least `minimumCount` floats wait here for the next request of the same size; the oldest
/// are released once more than `capacityBytes` are waiting.
enum BlockPool {
    static let minimumCount = 1 << 18  // 1 MB
    static let capacityBytes = 512 << 20

    private static let lock = NSLock()
    nonisolated(unsafe) private static var waiting: [(count: Int, base: UnsafeMutablePointer<Float>)] = []
    nonisolated(unsafe) private static var waitingBytes = 0

    /// A block of exactly `count` floats, recycled when one is waiting (contents undefined).
    static func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count >= minimumCount {
            let recycled: UnsafeMutablePointer<Float>? = lock.withLock {
                guard let i = waiting.lastIndex(where: { $0.count == count }) else { return nil }
                waitingBytes -= count * 4
                return waiting.remove(at: i).base
            }
            if let recycled { return recycled }
        }
        return .allocate(capacity: Swift.max(count, 1))
    }

    static func give(_ base: UnsafeMutablePointer<Float>, count: Int) {
        guard count >= minimumCount, count * 4 <= capacityBytes else {
            base.deallocate()
            return
        }
        let released: [UnsafeMutablePointer<Float>] = lock.withLock {
            waiting.append((count, base))
            waitingBytes += count * 4
            var out: [UnsafeMutablePointer<Float>] = []
            while waitingBytes > capacityBytes, !waiting.isEmpty {
                let oldest = waiting.removeFirst()
                waitingBytes -= oldest.count * 4
                out.append(oldest.base)
            }
            return out
        }
        for p in released { p.deallocate() }
    }

    /// Bytes waiting for reuse (for tests and memory reports).
    static var cachedBytes: Int { lock.withLock { waitingBytes } }

    /// Returns every waiting block to the system.
    static func drain() {
        let all = lock.withLock { () -> [UnsafeMutablePointer<Float>] in
            defer { waiting.removeAll(); waitingBytes = 0 }
            return waiting.map(\.base)
        }
        for p in all { p.deallocate() }
    }
}
