import Foundation

/// How ReLU-family ops pass gradients backwards. DeconvNet and guided backprop
/// are the same backward pass as the gradient with a different rule here.
public enum ReLURule: String, CaseIterable, Sendable {
    /// g·1[x>0]: the true gradient.
    case gradient
    /// g·1[g>0]: Zeiler & Fergus rectify the backward signal and ignore the forward sign.
    case deconvnet
    /// g·1[x>0]·1[g>0]: Springenberg et al.'s guided backpropagation.
    case guided
}

/// What a backward function is told about the pass it runs in.
public struct BackwardContext {
    /// `needs[i]` is false when input `i` wants no gradient (a constant or a frozen
    /// parameter); backward functions skip that work entirely.
    public let needs: [Bool]
    public let reluRule: ReLURule
}

/// One node of the reverse-mode tape. Tensors refer to their node; a node refers to
/// its parents' nodes, so the graph lives exactly as long as some result needs it.
public final class GradNode {
    typealias Backward = (Tensor, BackwardContext) throws -> [Tensor?]

    let op: String
    let parents: [GradNode?]
    var backwardFn: Backward?
    /// Accumulated gradient: kept for leaves and for named nodes after `backward`.
    public internal(set) var grad: Tensor?
    public internal(set) var name: String?
    /// Set for named nodes so `Gradients` can hand back the value beside its gradient.
    var value: Tensor?
    let isLeaf: Bool

    init(op: String, parents: [GradNode?], backward: Backward?) {
        self.op = op
        self.parents = parents
        self.backwardFn = backward
        self.isLeaf = backward == nil
    }
}

public enum Autograd {
    @TaskLocal static var disabled = false

    /// Runs `body` without recording anything on the tape (inference, optimizer updates).
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        try $disabled.withValue(true, operation: body)
    }

    public static var isRecording: Bool { !disabled }
}

extension Tensor {
    /// Whether gradients flow to this tensor. Setting it on a constant makes it a leaf.
    public var requiresGrad: Bool {
        get { node != nil }
        set {
            if newValue {
                if node == nil { node = GradNode(op: "leaf", parents: [], backward: nil) }
            } else {
                node = nil
            }
        }
    }

    /// A leaf copy of this value that requires a gradient.
    public func requiringGrad() -> Tensor {
        var leaf = detached
        leaf.requiresGrad = true
        return leaf
    }

    /// The gradient accumulated in this tensor's node (leaves and named values).
    public var grad: Tensor? { node?.grad }

    /// Clears an accumulated leaf gradient (between optimizer steps).
    public func zeroGrad() { node?.grad = nil }

    /// Names this value so its gradient is kept and can be read back from `Gradients`
    /// after `backward`. Names are how models expose their taps.
    public func named(_ name: String) -> Tensor {
        guard let node else { return self }
        node.name = name
        node.value = detached
        return self
    }

    /// Records `result` as the output of an op on `inputs`. `backward` maps the output's
    /// gradient to one gradient per input (nil where `ctx.needs` is false). Nothing is
    /// recorded under `noGrad` or when no input requires a gradient.
    static func record(
        _ op: String, _ result: Tensor, inputs: [Tensor],
        backward: @escaping (Tensor, BackwardContext) throws -> [Tensor?]
    ) -> Tensor {
        guard Autograd.isRecording, inputs.contains(where: { $0.node != nil }) else { return result }
        var out = result
        out.node = GradNode(op: op, parents: inputs.map(\.node), backward: backward)
        return out
    }

    /// Reverse-mode differentiation from this tensor. A non-scalar output needs `seed`,
    /// the gradient of some scalar with respect to it. Leaf gradients accumulate (`+=`)
    /// across calls; named intermediates are returned in `Gradients`.
    @discardableResult
    public func backward(
        seed: Tensor? = nil, rule: ReLURule = .gradient, retainGraph: Bool = false
    ) throws -> Gradients {
        guard let root = node else {
            throw TensorError.invalidArgument(op: "backward", "tensor does not require a gradient")
        }
        let seedGrad: Tensor
        if let seed {
            guard seed.shape == shape else { throw TensorError.shapeMismatch(op: "backward seed", seed.shape, shape) }
            seedGrad = seed.detached
        } else {
            guard count == 1 else {
                throw TensorError.invalidArgument(
                    op: "backward", "output of shape \(shape) is not a scalar: pass a seed gradient")
            }
            seedGrad = Tensor(unchecked: shape, [1])
        }

        let order = Tensor.topologicalOrder(from: root)
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seedGrad]
        var result = Gradients()
        try Autograd.noGrad {
            for node in order.reversed() {
                guard let g = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                if let name = node.name { result.byName[name] = (node.value ?? g, g) }
                if node.isLeaf {
                    if var acc = node.grad {
                        node.grad = nil
                        try acc.accumulate(g)
                        node.grad = acc
                    } else {
                        node.grad = g
                    }
                    continue
                }
                guard let backwardFn = node.backwardFn else {
                    throw TensorError.invalidArgument(
                        op: "backward", "the graph through '\(node.op)' was already freed: pass retainGraph: true")
                }
                if node.name != nil { node.grad = g }
                let ctx = BackwardContext(needs: node.parents.map { $0 != nil }, reluRule: rule)
                let grads = try backwardFn(g, ctx)
                for (parent, pg) in zip(node.parents, grads) {
                    guard let parent, let pg else { continue }
                    let key = ObjectIdentifier(parent)
                    if var acc = pending.removeValue(forKey: key) {
                        try acc.accumulate(pg)
                        pending[key] = acc
                    } else {
                        pending[key] = pg
                    }
                }
                if !retainGraph { node.backwardFn = nil }
            }
        }
        return result
    }

    /// Nodes in an order where every node comes after all of its parents.
    /// Iterative so that very deep graphs cannot overflow the stack.
    static func topologicalOrder(from root: GradNode) -> [GradNode] {
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (node, next) = stack.popLast() {
            if next < node.parents.count {
                stack.append((node, next + 1))
                if let parent = node.parents[next], visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                order.append(node)
            }
        }
        return order
    }

    /// `self += other`, in place when the storage is uniquely held.
    mutating func accumulate(_ other: Tensor) throws {
        guard shape == other.shape else {
            throw TensorError.shapeMismatch(op: "gradient accumulation", shape, other.shape)
        }
        withMutableScalars { s in
            other.withScalars { o in
                for i in 0..<s.count { s[i] += o[i] }
            }
        }
    }
}

/// Values and gradients of the named intermediates of one backward pass.
public struct Gradients {
    var byName: [String: (value: Tensor, grad: Tensor)] = [:]

    public subscript(name: String) -> Tensor? { byName[name]?.grad }
    public func value(_ name: String) -> Tensor? { byName[name]?.value }
    public var names: [String] { byName.keys.sorted() }
}
