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
