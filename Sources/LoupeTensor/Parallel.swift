import CBLAS
import Foundation

/// Loupe's own parallelism. OpenBLAS runs single-threaded and Loupe splits work
/// across batch items or channels itself, so the two never oversubscribe the cores.
/// Work is split into index ranges that do not depend on the thread count, so
/// results are bit-identical whatever `KernelPolicy.threads` is.
public enum Parallel {
    /// Makes OpenBLAS single-threaded once, before the first GEMM.
    static let configureBLAS: Void = { openblas_set_num_threads(1) }()

    /// Calls `body(i)` for every i in 0..<n, spread over the policy's workers.
    /// Each index is handled exactly once, by one thread, in whatever order.
    public static func forEach(_ n: Int, _ body: (Int) -> Void) {
        let workers = min(KernelPolicy.current.threads, n)
        if workers <= 1 {
            for i in 0..<n { body(i) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            // Contiguous blocks keep each worker on neighbouring memory.
            let start = n * w / workers, end = n * (w + 1) / workers
            for i in start..<end { body(i) }
        }
    }
}
