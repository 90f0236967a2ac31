import LoupeTensor

/// Transposed 2-D convolution with PyTorch's parameter layout: `weight` [in, out, k, k],
/// `bias` [out]; the upsampling half of a decoder.
public final class ConvTranspose2d: Module {
    public let inChannels, outChannels, kernel, stride, padding, outputPadding: Int
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, bias: Bool = true, initStream: RandomStream = RandomStream(seed: 0)) throws {
        guard inChannels > 0, outChannels > 0, kernel > 0, stride > 0, padding >= 0 else {
            throw ModelError.invalid(
                "ConvTranspose2d(\(inChannels)→\(outChannels), kernel \(kernel), stride \(stride)) is not a valid convolution")
        }
        (self.inChannels, self.outChannels, self.kernel) = (inChannels, outChannels, kernel)
        (self.stride, self.padding, self.outputPadding) = (stride, padding, outputPadding)
        // PyTorch computes fan_in from weight.shape[1]·k², which here is the output channels.
        (weight, self.bias) = try defaultInitialized(
            weight: [inChannels, outChannels, kernel, kernel], fanIn: outChannels * kernel * kernel,
            biases: bias ? outChannels : nil, stream: initStream)
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        try x.convTranspose2d(weight: weight.value, bias: bias?.value, stride: stride, padding: .symmetric(padding),
                              outputPadding: outputPadding)
    }
}
