#if canImport(Glibc)
import Glibc
#endif

extension TensorStorage {
    /// glibc serves blocks above a threshold (128 KB, raised as large blocks are freed, at
    /// most 32 MB) with fresh mmap pages and hands freed heap tops back to the kernel, so a
    /// loop that allocates the same few-megabyte activations every step can page-fault on
    /// every one of them: a 1×1 conv's forward + backward at batch 8 took 5.7 ms instead of
    /// 3.1 ms. Serving blocks up to 32 MB from the heap and keeping up to 512 MB of freed
    /// memory for reuse avoids that. Applied once, before the first tensor is allocated.
    static let allocatorTuned: Void = {
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
    }()
}
