#if canImport(Glibc)
import Glibc
#endif

/// The `loupe` process's allocator policy, set once by the executable that owns the process
/// (never by the library, which may live in someone else's).
///
/// glibc serves blocks above a threshold (128 KB, raised as large blocks are freed, at most
/// 32 MB) with fresh mmap pages and hands freed heap tops back to the kernel, so a loop that
/// allocates the same few-megabyte activations every step page-faults on each of them.
/// Serving blocks up to 32 MB from the heap and keeping up to 512 MB of freed memory for
/// reuse avoids that: `loupe bench workloads --only W2_b8 --repetitions 10` (EfficientNet-
/// Lite0 input gradients, batch 8) took 69.7k minor page faults without it and 55.0k with it
/// (AMD EPYC Zen 4), about 1,100 fewer per iteration.
enum AllocatorTuning {
    static func apply() {
        #if canImport(Glibc)
        // <malloc.h> is not in Swift's Glibc module; look mallopt up instead (other libcs
        // lack it, and then nothing changes).
        typealias MallOpt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallOpt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(mmapThreshold, 32 << 20)
        _ = mallopt(trimThreshold, 512 << 20)
        #endif
    }
}
