import LoupeTensor

/// State threaded through one forward pass: mode, randomness, and the taps that record
/// named layer outputs (as differentiable tensors, so a backward pass can start from
/// or read gradients at any of them).
public final class ForwardContext {
    public let training: Bool
    /// Seeds dropout; keyed by the caller (e.g. epoch and batch) for reproducibility.
    public let stream: RandomStream
    /// Stop the pass right after this tap: feature visualization of `blocks.8`
    /// never pays for the layers above it.
    public let stopAfter: String?
    /// Record every tap when nil, else only these names.
    let wanted: Set<String>?
    public private(set) var taps: [(name: String, value: Tensor)] = []
    private var path: [String] = []
    private var dropoutCalls: UInt64 = 0

    public init(training: Bool = false, stream: RandomStream = RandomStream(seed: 0),
                recording wanted: Set<String>? = [], stopAfter: String? = nil) {
        self.training = training
        self.stream = stream
        self.wanted = wanted
        self.stopAfter = stopAfter
    }

    /// Runs `body` with `key` appended to the current dotted path.
    public func within<R>(_ key: String, _ body: () throws -> R) rethrows -> R {
        path.append(key)
        defer { path.removeLast() }
        return try body()
    }

    /// The dotted name of `key` at the current path.
    public func name(_ key: String) -> String { (path + [key]).joined(separator: ".") }

    /// Records `x` as the output of the layer named `key` (relative to the current path),
    /// and ends the pass if it is the `stopAfter` layer.
    @discardableResult
    public func tap(_ key: String, _ x: Tensor) throws -> Tensor {
        let full = name(key)
        let named = x.named(full)
        if wanted == nil || wanted!.contains(full) { taps.append((full, named)) }
        if full == stopAfter { throw StopForward() }
        return named
    }

    /// Whether the layer `key` (relative to the current path) is recorded or ends the pass:
    /// a layer nobody observes may be fused with the next one.
    public func isObserved(_ key: String) -> Bool {
        let full = name(key)
        return wanted.map { $0.contains(full) } ?? true || full == stopAfter
    }

    public func value(_ name: String) -> Tensor? { taps.first { $0.name == name }?.value }

    /// A fresh random stream for the next dropout layer in this pass.
    func nextDropoutStream() -> RandomStream {
        dropoutCalls += 1
        return stream.derived(dropoutCalls)
    }
}

/// Thrown by `tap` to end a pass early; `Model.forward` catches it.
struct StopForward: Error {}
