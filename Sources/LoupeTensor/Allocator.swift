#if canImport(Glibc)
import Glibc
#endif

/// The host process's allocator belongs to whoever owns the process, so the library never
/// tunes it; a program that runs Loupe's kernels in a loop may call this once at start.
public enum HostAllocator {
    /// glibc serves blocks above a threshold (128 KB, raised as large blocks are freed, at
    /// most 32 MB) with fresh mmap pages and hands freed heap tops back to the kernel, so a
    /// loop that allocates the same sub-megabyte activations every step (larger ones are
    /// recycled by `BlockPool`) page-faults on every one of them. This serves blocks up to
    /// 32 MB from the heap and keeps up to 512 MB of freed memory for reuse. Does nothing
    /// where the C library has no `mallopt`.
    public static func keepFreedMemory() {
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
