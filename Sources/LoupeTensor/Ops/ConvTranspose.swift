extension Tensor {
    /// Transposed 2-D convolution (PyTorch's ConvTranspose2d): the adjoint of conv2d with
    /// the same hyper-parameters, so its forward pass is conv2d's input gradient and its
    /// input gradient is conv2d's forward pass; both share conv2d's kernels.
    ///
    /// Input NCHW, weight [Cin, Cout/groups, kh, kw], bias [Cout]. Output size per axis:
    /// (i − 1)·s − (pad_before + pad_after) + d·(k − 1) + outputPadding + 1, where
    /// `outputPadding` (< stride or < dilation) picks among the sizes that a strided conv
    /// maps onto the same input size; it adds rows/columns after, never padding values.
    public func convTranspose2d(
        weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding2D = .zero,
        outputPadding: Int = 0, dilation: Int = 1, groups: Int = 1
    ) throws -> Tensor {
        let op = "convTranspose2d"
        try ConvCheck.ranks(op, input: shape, weight: weight.shape)
        try ConvCheck.hyper(op, stride: stride, dilation: dilation, groups: groups, padding: padding)
        guard outputPadding >= 0, outputPadding < Swift.max(stride, dilation) else {
            throw TensorError.invalidArgument(
                op: op, "outputPadding \(outputPadding) must be non-negative and smaller than stride \(stride) "
                    + "or dilation \(dilation)")
        }
        let (batch, cin, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (wIn, coutG, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        guard wIn == cin, cin % groups == 0 else {
            throw TensorError.invalidArgument(
                op: op, "input \(shape) has \(cin) channels but weight \(weight.shape) expects \(wIn) "
                    + "with groups=\(groups); need weight.shape[0] == Cin and Cin divisible by groups")
        }
        let cout = coutG * groups
        try ConvCheck.bias(op, bias, channels: cout)
        let oh = (h - 1) * stride - padding.top - padding.bottom + dilation * (kh - 1) + outputPadding + 1
        let ow = (w - 1) * stride - padding.left - padding.right + dilation * (kw - 1) + outputPadding + 1
        guard h > 0, w > 0, oh > 0, ow > 0 else {
            throw TensorError.invalidArgument(
                op: op, "input \(shape) with padding \(padding), kernel \(kh)×\(kw), stride \(stride) and "
                    + "dilation \(dilation) gives output size \(oh)×\(ow)")
        }

        // Seen as the conv whose input gradient this is: the gathered side is our output.
        let geo = ConvGeometry(
            channels: coutG, inH: oh, inW: ow, outH: h, outW: w, kh: kh, kw: kw,
            stride: stride, dilation: dilation, padTop: padding.top, padLeft: padding.left)
        let m = cin / groups
        let x = detached, wt = weight.detached
        // Filters that take no gradient keep their Winograd transform between passes.
        let frozen = weight.requiresGrad ? nil : wt.storage

        let multiplyAdds = batch * cin * h * w * coutG * kh * kw
        KernelPolicy.count(multiplyAdds: multiplyAdds)
        var y = Tensor(uninitialized: [batch, cout, oh, ow])
        let yp = y.mutablePointer
        convInputGradient(x.pointer, batch: batch, groups: groups, geo, weights: wt.pointer, m: m, into: yp, frozen: frozen)
        if let bias { finishBias(yp, bias.pointer, batch: batch, channels: cout, plane: oh * ow) }

        let inShape = shape, wShape = weight.shape
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tensor.record(op, y, inputs: inputs) { g, ctx in
            var dx: Tensor?, dw: Tensor?
            if ctx.needs[0] {
                KernelPolicy.count(multiplyAdds: multiplyAdds)
                var t = Tensor(uninitialized: inShape)
                convGather(g.pointer, batch: batch, groups: groups, geo, weights: wt.pointer, m: m, bias: nil,
                           into: t.mutablePointer, frozen: frozen)
                dx = t
            }
            if ctx.needs[1] {
                KernelPolicy.countWeightGradient()
                KernelPolicy.count(multiplyAdds: multiplyAdds)
                var t = Tensor(uninitialized: wShape)
                // dW[ci, :] = Σ x[ci] · col(dy)ᵀ: conv2d's weight gradient with the roles swapped.
                convWeightGradient(g.pointer, x.pointer, batch: batch, groups: groups, geo, m: m,
                                   into: t.mutablePointer)
                dw = t
            }
            var grads = [dx, dw]
            if inputs.count == 3 {
                grads.append(ctx.needs[2] ? channelSums(g.pointer, batch: batch, channels: cout, plane: oh * ow) : nil)
            }
            return grads
        }
    }
}
