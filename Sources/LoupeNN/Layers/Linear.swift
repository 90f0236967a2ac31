import LoupeTensor

/// y = x·Wᵀ + b with PyTorch's layout: `weight` [out, in], `bias` [out].
public final class Linear: Module {
    public let inFeatures, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true,
                initStream: RandomStream = RandomStream(seed: 0)) throws {
        guard inFeatures > 0, outFeatures > 0 else {
            throw ModelError.invalid("Linear(\(inFeatures)→\(outFeatures)) needs positive sizes")
        }
        (self.inFeatures, self.outFeatures) = (inFeatures, outFeatures)
        (weight, self.bias) = try defaultInitialized(
            weight: [outFeatures, inFeatures], fanIn: inFeatures, biases: bias ? outFeatures : nil, stream: initStream)
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    /// Every output mixes every input position.
    public override func receptiveField(
        _ field: ReceptiveField, path: String, taps: inout [String: ReceptiveField?]
    ) throws -> ReceptiveField? { nil }

    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        guard x.rank == 2, x.shape[1] == inFeatures else {
            throw TensorError.shapeMismatch(op: "Linear(\(inFeatures)→\(outFeatures))", x.shape, [x.shape.first ?? 0, inFeatures])
        }
        return try x.linear(weight: weight.value, bias: bias?.value)
    }
}
