import Foundation
import LoupeTensor

/// Independent jobs of uneven cost on the kernel policy's workers, each worker taking the
/// next job when it finishes one (so one long job does not hold up a block of short ones).
/// Results come back in job order; the first error thrown is rethrown.
enum ParallelJobs {
    static func run<T>(_ count: Int, _ job: (Int) throws -> T) throws -> [T] {
        var results = [T?](repeating: nil, count: count)
        var failure: Error?
        var next = 0
        let lock = NSLock()
        let workers = Swift.max(1, Swift.min(KernelPolicy.current.threads, count))
        withoutActuallyEscaping(job) { job in
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    lock.lock()
                    let j = next
                    next += 1
                    let stop = failure != nil
                    lock.unlock()
                    guard j < count, !stop else { return }
                    do {
                        let value = try job(j)
                        lock.lock(); results[j] = value; lock.unlock()
                    } catch {
                        lock.lock(); if failure == nil { failure = error }; lock.unlock()
                    }
                }
            }
        }
        if let failure { throw failure }
        return results.map { $0! }
    }
}
