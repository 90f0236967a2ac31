import Foundation
import LoupeTensor

/// Runs `body` under the current kernel policy as `change` alters it. The policy is bound
/// to this call alone, so tests that run side by side never see each other's choice.
@discardableResult
public func withKernelPolicy<T>(_ change: (inout KernelPolicy) -> Void, _ body: () throws -> T) rethrows -> T {
    try KernelPolicy.$current.withValue(KernelPolicy.current.with(change), operation: body)
}

/// Runs `body` with `threads` kernel workers.
@discardableResult
public func withThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
    try withKernelPolicy({ $0.threads = threads }, body)
}


/// Runs `body` under the kernel variant named by `LOUPE_KERNELS` (the best this CPU supports
/// when unset): `make test` runs the kernels' known-value tests once more under each other
/// variant the CPU supports, so every compiled copy is held to the same references.
public func withTestedKernelVariant<T>(_ body: () throws -> T) rethrows -> T {
    let name = ProcessInfo.processInfo.environment["LOUPE_KERNELS"] ?? "auto"
    // A name this CPU cannot run stops the run with the reason, before any kernel faults.
    let variant: KernelVariant
    do { variant = try KernelVariant(choice: name) } catch { fatalError("LOUPE_KERNELS: \(error)") }
    return try withKernelPolicy({ $0.kernels = variant }, body)
}
