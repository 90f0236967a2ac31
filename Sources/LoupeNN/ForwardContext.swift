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
    /// A change to one layer's output that the rest of the pass sees (Ablation-CAM).
    let editing: LayerEdit?
    public private(set) var taps: [(name: String, value: Tensor)] = []
    private var path: [String] = []
    private var dropoutCalls: UInt64 = 0

    public init(training: Bool = false, stream: RandomStream = RandomStream(seed: 0),
                recording wanted: Set<String>? = [], stopAfter: String? = nil, editing: LayerEdit? = nil) {
        self.training = training
        self.stream = stream
        self.wanted = wanted
        self.stopAfter = stopAfter
        self.editing = editing
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
    /// after the pass's edit if it is that layer, and ends the pass if it is the
    /// `stopAfter` layer. Callers go on with the returned value.
    @discardableResult
    public func tap(_ key: String, _ x: Tensor) throws -> Tensor {
        let full = name(key)
        let named = (editing?.layer == full ? try editing!.transform(x) : x).named(full)
        if wanted == nil || wanted!.contains(full) { taps.append((full, named)) }
        if full == stopAfter { throw StopForward() }
        return named
    }

    /// Whether the layer `key` (relative to the current path) is recorded or ends the pass:
    /// a layer nobody observes may be fused with the next one.
    public func isObserved(_ key: String) -> Bool {
        let full = name(key)
        return wanted.map { $0.contains(full) } ?? true || full == stopAfter || full == editing?.layer
    }

    public func value(_ name: String) -> Tensor? { taps.first { $0.name == name }?.value }

    /// A fresh random stream for the next dropout layer in this pass.
    func nextDropoutStream() -> RandomStream {
        dropoutCalls += 1
        return stream.derived(dropoutCalls)
    }
}

/// A change made to one layer's output in a forward pass, seen by every layer after it:
/// Ablation-CAM zeroes one channel of the layer in each image of a batch.
public struct LayerEdit {
    /// The tap name, as `Model.resolveLayer` returns it.
    public let layer: String
    public let transform: (Tensor) throws -> Tensor

    public init(layer: String, _ transform: @escaping (Tensor) throws -> Tensor) {
        (self.layer, self.transform) = (layer, transform)
    }
}

/// Thrown by `tap` to end a pass early; `Model.forward` catches it.
struct StopForward: Error {}
