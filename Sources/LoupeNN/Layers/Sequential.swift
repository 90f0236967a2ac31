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
        var i = 0
        while i < children.count {
            let (key, child) = children[i]
            // A conv whose own output nobody records runs with the ReLU after it fused into
            // its epilogue: same values and backward rules, one pass and one tape node less.
            if let conv = child as? Conv2d, i + 1 < children.count, !ctx.isObserved(key) {
                let next = children[i + 1]
                let activation: FusedActivation? = next.module is ReLU ? .relu : next.module is ReLU6 ? .relu6 : nil
                if let activation {
                    y = try ctx.within(key) { try conv.forward(y, ctx, activation: activation) }
                    y = try ctx.tap(next.key, y)
                    i += 2
                    continue
                }
            }
            y = try ctx.within(key) { try child.forward(y, ctx) }
            y = try ctx.tap(key, y)
            i += 1
        }
        return y
    }
}
