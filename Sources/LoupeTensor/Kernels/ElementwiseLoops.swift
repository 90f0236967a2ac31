/// The driver for elementwise kernels: contiguous ranges split across workers once a tensor
/// is large enough to pay for the split, each range starting on a 16-float boundary. Each
/// element is computed the same way whichever worker runs it, so results never depend on
/// the thread count.
enum Elementwise {
    /// Below this many floats one thread is faster than waking a second.
    static let parallelThreshold = 1 << 16

    /// Calls `body` on ranges that together cover 0..<count once each.
    @inline(__always)
    static func forEachRange(_ count: Int, _ body: (Range<Int>) -> Void) {
        let blocks = count / 16
        let chunks = count >= parallelThreshold ? Swift.min(KernelPolicy.current.threads, blocks) : 1
        if chunks <= 1 {
            body(0..<count)
            return
        }
        Parallel.forEach(chunks) { c in
            body(blocks * c / chunks * 16 ..< (c == chunks - 1 ? count : blocks * (c + 1) / chunks * 16))
        }
    }
}
