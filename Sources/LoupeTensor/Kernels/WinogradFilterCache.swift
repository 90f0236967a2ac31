import Foundation

/// Winograd-transformed filters U (see `winogradWeights`), in a `BlockPool` block that goes
/// back to the pool with the last reference.
final class WinogradFilters {
    let base: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        base = BlockPool.take(count)
    }

    deinit { BlockPool.give(base, count: count) }
}

/// The transformed filters of frozen weights, kept from one pass to the next.
///
/// A model that is only run — attacked, visualized, explained, mapped back by DeconvNet —
/// convolves with the same filters pass after pass, and transforming them costs as much as
/// the GEMMs on a deep layer at batch 1: each of VGG16's 512-channel layers writes 16.8 MB
/// of U per pass, and the transforms were 8% of a DeconvNet forward + backward.
///
/// Sound because tensors are copy-on-write: an entry holds its weights' storage, so that
/// storage is never uniquely referenced while cached and any write to the weights copies it
/// first, giving a new storage and a new key. (Holding it also keeps its identity from being
/// reused by another tensor.) Only weights that take no gradient are cached: a trained
/// weight changes every step, and pinning it would make every optimizer step copy it.
/// Entries past `capacityBytes` go, least recently used first.
enum WinogradFilterCache {
    nonisolated(unsafe) static var capacityBytes = 320 << 20

    struct Key: Hashable {
        let storage: ObjectIdentifier
        let flipped: Bool
        let tile: Winograd.Tile
        let groups, outputs, inputs: Int
    }

    private struct Entry {
        let weights: TensorStorage
        let filters: WinogradFilters
        var lastUse: Int
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var entries: [Key: Entry] = [:]
    nonisolated(unsafe) private static var bytes = 0
    nonisolated(unsafe) private static var clock = 0

    /// U of the filters in `weights` (read through `w`, which points into it), from the cache
    /// when the same storage was transformed the same way before; `weights` nil (weights that
    /// take a gradient) transforms afresh and caches nothing.
    static func filters(
        _ w: UnsafePointer<Float>, storage weights: TensorStorage?, groups: Int, outputs: Int, inputs: Int,
        flipped: Bool, tile: Winograd.Tile
    ) -> WinogradFilters {
        guard let weights else {
            return winogradWeights(w, groups: groups, outputs: outputs, inputs: inputs, flipped: flipped, tile: tile)
        }
        let key = Key(storage: ObjectIdentifier(weights), flipped: flipped, tile: tile, groups: groups,
                      outputs: outputs, inputs: inputs)
        let hit: WinogradFilters? = lock.withLock {
            guard entries[key] != nil else { return nil }
            clock += 1
            entries[key]!.lastUse = clock
            return entries[key]!.filters
        }
        if let hit { return hit }

        let fresh = winogradWeights(w, groups: groups, outputs: outputs, inputs: inputs, flipped: flipped, tile: tile)
        let size = fresh.count * MemoryLayout<Float>.size
        guard size <= capacityBytes else { return fresh }
        // Evicted entries are released after the lock: their blocks go back to the pool.
        let evicted: [Entry] = lock.withLock {
            // Another thread may have cached the same filters meanwhile; theirs stays.
            guard entries[key] == nil else { return [] }
            clock += 1
            entries[key] = Entry(weights: weights, filters: fresh, lastUse: clock)
            bytes += size
            var out: [Entry] = []
            while bytes > capacityBytes, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                entries.removeValue(forKey: oldest.key)
                bytes -= oldest.value.filters.count * MemoryLayout<Float>.size
                out.append(oldest.value)
            }
            return out
        }
        withExtendedLifetime(evicted) {}
        return fresh
    }

    /// Bytes of transformed filters held (for tests and memory reports).
    static var cachedBytes: Int { lock.withLock { bytes } }

    /// Entries held (for tests).
    static var count: Int { lock.withLock { entries.count } }

    /// Forgets every entry.
    static func removeAll() {
        let all: [Key: Entry] = lock.withLock {
            defer { entries.removeAll(); bytes = 0 }
            return entries
        }
        withExtendedLifetime(all) {}
    }
}
