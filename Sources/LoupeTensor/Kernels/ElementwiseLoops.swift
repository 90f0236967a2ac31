/// Drivers for elementwise kernels: 8 floats at a time, split across workers in
/// contiguous vector-aligned ranges once a tensor is large enough to pay for the split.
/// Each element is computed the same way whichever worker runs it, so results never
/// depend on the thread count.
enum Elementwise {
    /// Below this many floats one thread is faster than waking a second.
    static let parallelThreshold = 1 << 16

    /// Calls `vector(i)` for i = 0, 8, 16, … while i + 8 ≤ count, then `tail(i)` for the rest.
    @inline(__always)
    static func forEachVector(_ count: Int, _ vector: (Int) -> Void, tail: (Int) -> Void) {
        let vectors = count / 8
        let chunks = count >= parallelThreshold ? Swift.min(KernelPolicy.current.threads, vectors) : 1
        if chunks <= 1 {
            var i = 0
            while i + 8 <= count { vector(i); i += 8 }
        } else {
            Parallel.forEach(chunks) { c in
                var i = vectors * c / chunks * 8
                let end = vectors * (c + 1) / chunks * 8
                while i < end { vector(i); i += 8 }
            }
        }
        for i in (vectors * 8)..<count { tail(i) }
    }
}
