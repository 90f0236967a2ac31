import LoupeTensor

/// A model's top level as a chain of named taps, declared once: `forward` runs it and the
/// receptive-field arithmetic walks it, so no tap can be spelled one way in one and
/// another way in the other.
public struct TapChain {
    public typealias Field = (ReceptiveField, _ path: String, _ taps: inout [String: ReceptiveField?]) throws -> ReceptiveField?

    public struct Link {
        let name: String
        let forward: (Tensor, ForwardContext) throws -> Tensor
        let field: Field

        /// A step with its own computation and field arithmetic.
        public init(_ name: String, forward: @escaping (Tensor, ForwardContext) throws -> Tensor, field: @escaping Field) {
            (self.name, self.forward, self.field) = (name, forward, field)
        }

        /// A module's forward pass under `name`, with an optional computation that wraps it
        /// (a fused batch norm and activation); its field is the module's.
        public init(_ name: String, _ module: Module, forward: ((Tensor, ForwardContext) throws -> Tensor)? = nil) {
            self.name = name
            self.forward = forward ?? { try module.forward($0, $1) }
            self.field = { try module.receptiveField($0, path: $1, taps: &$2) }
        }

        /// An elementwise step: units see what they saw.
        public static func pointwise(_ name: String, _ forward: @escaping (Tensor, ForwardContext) throws -> Tensor) -> Link {
            Link(name, forward: forward, field: { field, _, _ in field })
        }

        /// A global pool or anything after it: every unit sees the whole image.
        public static func global(_ name: String, _ forward: @escaping (Tensor, ForwardContext) throws -> Tensor) -> Link {
            Link(name, forward: forward, field: { _, _, _ in nil })
        }
    }

    public let links: [Link]

    public init(_ links: [Link]) { self.links = links }

    public func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        var y = x
        for link in links { y = try ctx.tap(link.name, try link.forward(y, ctx)) }
        return y
    }

    /// Records every link's field under its dotted name (nil once units see the whole image).
    public func receptiveField(_ field: ReceptiveField, path: String, taps: inout [String: ReceptiveField?]) throws -> ReceptiveField? {
        var current: ReceptiveField? = field
        for link in links {
            let name = path.isEmpty ? link.name : path + "." + link.name
            if let f = current { current = try link.field(f, name, &taps) }
            taps[name] = .some(current)
        }
        return current
    }
}
