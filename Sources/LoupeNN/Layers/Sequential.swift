import LoupeTensor

/// Children applied in order, keyed "0", "1", … as in PyTorch, each output tapped
/// under its dotted path (`features.28`).
public final class Sequential: Module {
    public init(_ layers: [Module]) {
        super.init()
        for (i, layer) in layers.enumerated() { add(layer, as: String(i)) }
    }

    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        var y = x
        for (key, child) in children {
            y = try ctx.within(key) { try child.forward(y, ctx) }
            y = try ctx.tap(key, y)
        }
        return y
    }
}
