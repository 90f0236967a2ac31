import LoupeTensor

/// How a convolution pads its input.
public enum ConvPadding: Equatable, Sendable {
    /// Fixed padding on every side (PyTorch's `padding=p`).
    case fixed(Int)
    /// TensorFlow "SAME": computed from the input size, extra row/column after.
    case same
}

/// 2-D convolution with PyTorch's parameter layout: `weight` [out, in/groups, k, k], `bias` [out].
public final class Conv2d: Module {
    public let inChannels, outChannels, kernel, stride, dilation, groups: Int
    public let padding: ConvPadding
    public let weight: Parameter
    public let bias: Parameter?
    /// This conv with a following batch norm folded in, cached between passes.
    let foldedBatchNorm = FoldedConvBatchNorm()

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1,
                padding: ConvPadding = .fixed(0), dilation: Int = 1, groups: Int = 1, bias: Bool = true,
                initStream: RandomStream = RandomStream(seed: 0)) throws {
        guard inChannels > 0, outChannels > 0, kernel > 0, stride > 0, dilation > 0, groups > 0,
              inChannels % groups == 0, outChannels % groups == 0 else {
            throw ModelError.invalid(
                "Conv2d(\(inChannels)→\(outChannels), kernel \(kernel), stride \(stride), groups \(groups)) is not a valid convolution")
        }
        (self.inChannels, self.outChannels, self.kernel, self.stride) = (inChannels, outChannels, kernel, stride)
        (self.padding, self.dilation, self.groups) = (padding, dilation, groups)
        (weight, self.bias) = try defaultInitialized(
            weight: [outChannels, inChannels / groups, kernel, kernel], fanIn: inChannels / groups * kernel * kernel,
            biases: bias ? outChannels : nil, stream: initStream)
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        try forward(x, ctx, activation: .none)
    }

    /// The convolution with a ReLU-family activation fused into its epilogue.
    public func forward(_ x: Tensor, _ ctx: ForwardContext, activation: FusedActivation) throws -> Tensor {
        try x.conv2d(weight: weight.value, bias: bias?.value, stride: stride,
                     padding: resolvedPadding(for: x), dilation: dilation, groups: groups, activation: activation)
    }

    public override func receptiveField(
        _ field: ReceptiveField, path: String, taps: inout [String: ReceptiveField?]
    ) throws -> ReceptiveField? {
        let pad: Padding2D
        switch padding {
        case let .fixed(p): pad = .symmetric(p)
        case .same: pad = .same(height: field.y.length, width: field.x.length, kernel: kernel, stride: stride, dilation: dilation)
        }
        return field.through(kernel: kernel, stride: stride, padding: pad, dilation: dilation)
    }

    func resolvedPadding(for x: Tensor) throws -> Padding2D {
        switch padding {
        case let .fixed(p): return .symmetric(p)
        case .same:
            guard x.rank == 4 else { throw TensorError.invalidArgument(op: "Conv2d", "expects NCHW input, got \(x.shape)") }
            return .same(height: x.shape[2], width: x.shape[3], kernel: kernel, stride: stride, dilation: dilation)
        }
    }
}
