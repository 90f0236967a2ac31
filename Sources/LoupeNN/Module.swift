import LoupeTensor

/// A trainable tensor or a buffer (running statistics), held by reference so that
/// optimizers and checkpoint loaders update it in place wherever it is used.
public final class Parameter {
    /// Every write, in place or whole, bumps `version`: values derived from a parameter
    /// (batch norm folded into a conv) are cached against it.
    public var value: Tensor { didSet { version &+= 1 } }
    public private(set) var version = 0
    public init(_ value: Tensor) { self.value = value }
}

/// A layer or a network of layers, in the spirit of PyTorch's `nn.Module`: children,
/// parameters and buffers are registered under the names they have in a PyTorch state
/// dict, so `stateDict` keys are dotted paths such as `features.28.weight`.
open class Module {
    public private(set) var children: [(key: String, module: Module)] = []
    public private(set) var parameters: [(key: String, parameter: Parameter)] = []
    public private(set) var buffers: [(key: String, parameter: Parameter)] = []

    public init() {}

    /// The layer's computation. Subclasses override it; `ctx` carries the mode
    /// (training or not), randomness and the taps that record named outputs.
    open func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        guard let chain = tapChain else { throw ModelError.invalid("\(type(of: self)) does not implement forward") }
        return try chain.forward(x, ctx)
    }

    /// A model whose top level is a chain of named taps declares it here, and both
    /// `forward` and `receptiveField` walk it.
    open var tapChain: TapChain? { nil }

    @discardableResult
    public func add<M: Module>(_ child: M, as key: String) -> M {
        children.append((key, child))
        return child
    }

    public func registerParameter(_ key: String, _ p: Parameter) { parameters.append((key, p)) }

    /// Buffers are state that is saved but never trained (running statistics).
    public func registerBuffer(_ key: String, _ p: Parameter) { buffers.append((key, p)) }

    /// The receptive field of this module's output given its input's, recording the field
    /// of every tap it makes under its full name in `taps`; nil once units see the whole
    /// image. Leaves without an override are elementwise; containers chain their children
    /// (modules whose forward pass is not that chain override this).
    open func receptiveField(
        _ field: ReceptiveField, path: String, taps: inout [String: ReceptiveField?]
    ) throws -> ReceptiveField? {
        if let chain = tapChain { return try chain.receptiveField(field, path: path, taps: &taps) }
        return children.isEmpty ? field : try chainReceptiveField(field, path: path, taps: &taps)
    }

    /// The child at `key`, for walking a model by its dotted names.
    public func child(_ key: String) -> Module? { children.first { $0.key == key }?.module }

    /// Every parameter with its dotted state-dict name, in registration order.
    public func namedParameters(prefix: String = "") -> [(String, Parameter)] {
        parameters.map { (prefix + $0.key, $0.parameter) }
            + children.flatMap { $0.module.namedParameters(prefix: prefix + $0.key + ".") }
    }

    /// Every buffer with its dotted state-dict name.
    public func namedBuffers(prefix: String = "") -> [(String, Parameter)] {
        buffers.map { (prefix + $0.key, $0.parameter) }
            + children.flatMap { $0.module.namedBuffers(prefix: prefix + $0.key + ".") }
    }

    /// Every module below this one (itself included) with its dotted path.
    public func namedModules(prefix: String = "") -> [(String, Module)] {
        [(prefix, self)] + children.flatMap {
            $0.module.namedModules(prefix: prefix.isEmpty ? $0.key : prefix + "." + $0.key)
        }
    }

    /// Parameters and buffers together: what a checkpoint holds.
    public func stateDict() -> [(String, Parameter)] { namedParameters() + namedBuffers() }

    /// Makes every parameter trainable (true) or frozen (false). Frozen parameters get
    /// no tape node, so input-gradient passes skip all weight-gradient work.
    public func setTrainable(_ trainable: Bool) {
        for (_, p) in namedParameters() { p.value.requiresGrad = trainable }
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case unknownLayer(String, suggestions: [String])
    case unknownModel(String, suggestions: [String])
    case invalid(String)

    public var description: String {
        switch self {
        case let .unknownLayer(name, s):
            return "unknown layer '\(name)'" + (s.isEmpty ? "" : "; nearest valid names: \(s.joined(separator: ", "))")
        case let .unknownModel(name, s):
            return "unknown model '\(name)'" + (s.isEmpty ? "" : "; did you mean: \(s.joined(separator: ", "))")
        case let .invalid(why): return why
        }
    }
}
