import Foundation

/// Which kernels Loupe may use and how many workers run them: one value, installed for a
/// scope (`KernelPolicy.$current.withValue(policy) { … }`) and read when an op dispatches,
/// never per element. The CLI installs one at start; a test installs its own around what it
/// checks, so tests running side by side never see each other's choices.
///
/// A task-local value is invisible on `DispatchQueue.concurrentPerform`'s worker threads:
/// everything a worker needs is read on the calling thread and handed down as a value.
public struct KernelPolicy: Sendable {
    /// 3×3 stride-1 convs may take Winograd F(2×2, 3×3) or F(4×4, 3×3) instead of im2col + GEMM.
    public var winograd = true
    /// Convs with very few input or output channels may take the direct kernel instead of
    /// im2col + GEMM.
    public var directConv = true
    /// conv → batch norm pairs fold into one conv at inference with frozen parameters.
    public var foldBatchNorm = true
    /// Which compiled copy of Loupe's own kernels runs: the best this CPU supports unless
    /// forced (to compare variants, or to measure one).
    public var kernels = KernelVariant.best
    /// Worker threads for Loupe's kernels (at least 1). Results do not depend on it.
    public var threads: Int {
        get { workers }
        set { workers = Swift.max(1, newValue) }
    }
    /// Where Winograd pays off and how its work is blocked (tests shrink these to reach
    /// every path on small tensors).
    var winogradTuning = Winograd.Tuning()
    /// Counts the dense kernels' work while this policy is installed (none by default).
    public var counter: KernelCounter?

    private var workers = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    public init(
        winograd: Bool = true, directConv: Bool = true, foldBatchNorm: Bool = true, threads: Int? = nil,
        kernels: KernelVariant = .best, counter: KernelCounter? = nil
    ) {
        self.kernels = kernels
        self.winograd = winograd
        self.directConv = directConv
        self.foldBatchNorm = foldBatchNorm
        if let threads { self.threads = threads }
        self.counter = counter
    }

    /// The policy in force: everything enabled and one worker per active core unless a
    /// caller installed another.
    @TaskLocal public static var current = KernelPolicy()

    /// This policy with some fields changed, for `$current.withValue(.current.with { … })`.
    public func with(_ change: (inout KernelPolicy) -> Void) -> KernelPolicy {
        var copy = self
        change(&copy)
        return copy
    }
}

/// Counts the work of the dense kernels while installed in a `KernelPolicy`: floating-point
/// operations of conv, conv-transpose and matmul (forward and both gradients; a benchmark
/// turns them into a fraction of the SGEMM ceiling), and weight gradients computed (tests
/// prove with it that frozen parameters cost no weight-gradient kernel).
public final class KernelCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var multiplyAdds = 0
    private var weightGradientCount = 0

    public init() {}

    /// Floating-point operations counted so far (2 per multiply-add).
    public var flops: Double { lock.withLock { 2 * Double(multiplyAdds) } }
    /// Weight (or batch-norm affine) gradients computed so far.
    public var weightGradients: Int { lock.withLock { weightGradientCount } }

    func add(multiplyAdds count: Int) { lock.withLock { multiplyAdds += count } }
    func countWeightGradient() { lock.withLock { weightGradientCount += 1 } }
}

extension KernelPolicy {
    /// Adds `multiplyAdds` to the installed counter, if any.
    @inline(__always)
    static func count(multiplyAdds: Int) { current.counter?.add(multiplyAdds: multiplyAdds) }

    /// Counts one weight gradient on the installed counter, if any.
    @inline(__always)
    static func countWeightGradient() { current.counter?.countWeightGradient() }
}
