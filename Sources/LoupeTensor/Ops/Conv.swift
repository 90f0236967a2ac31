/// An activation fused into a convolution's epilogue: the same values and backward
/// rules as `relu()` / `relu6()` after the conv, without a separate pass or tape node.
public enum FusedActivation: Sendable {
    case none, relu, relu6

    var clamp: ClampRange {
        switch self {
        case .none: return .none
        case .relu: return ClampRange(lower: 0, upper: .infinity)
        case .relu6: return ClampRange(lower: 0, upper: 6)
        }
    }
}

extension Tensor {
    /// 2-D convolution (cross-correlation, as in PyTorch) of an NCHW input with
    /// weight [Cout, Cin/groups, kh, kw] and optional bias [Cout], followed by `activation`.
    ///
    /// Output size per axis: (i + pad_before + pad_after − d·(k−1) − 1) / s + 1.
    /// Depthwise convs (groups == Cin == Cout) run a direct SIMD kernel, 1×1 stride-1
    /// unpadded convs a plain GEMM, 3×3 stride-1 convs over ≥ 32 channels per group
    /// Winograd F(2×2, 3×3) (Kernels/Winograd.swift), everything else im2col + GEMM. The input gradient is
    /// the transposed convolution with the same filters (DeconvNet's backward pass);
    /// the weight gradient is skipped entirely for frozen weights.
    public func conv2d(
        weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Padding2D = .zero,
        dilation: Int = 1, groups: Int = 1, activation: FusedActivation = .none
    ) throws -> Tensor {
        let op = "conv2d"
        try ConvCheck.ranks(op, input: shape, weight: weight.shape)
        try ConvCheck.hyper(op, stride: stride, dilation: dilation, groups: groups, padding: padding)
        let (batch, cin, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (cout, cg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
        guard cin % groups == 0, cout % groups == 0, cg == cin / groups else {
            throw TensorError.invalidArgument(
                op: op, "input \(shape) has \(cin) channels and weight \(weight.shape) expects \(cg) per group "
                    + "with groups=\(groups); need Cin and Cout divisible by groups and weight.shape[1] == Cin/groups")
        }
        try ConvCheck.bias(op, bias, channels: cout)
        let oh = try ConvCheck.outputSize(op, input: h, before: padding.top, after: padding.bottom, kernel: kh,
                                          stride: stride, dilation: dilation)
        let ow = try ConvCheck.outputSize(op, input: w, before: padding.left, after: padding.right, kernel: kw,
                                          stride: stride, dilation: dilation)
        guard oh > 0, ow > 0 else {
            throw TensorError.invalidArgument(
                op: op, "input \(shape) with padding \(padding), kernel \(kh)×\(kw) and dilation \(dilation) "
                    + "leaves no output positions")
        }
        guard let multiplyAdds = CheckedSize.product([batch, cout, oh, ow, cg, kh, kw]) else {
            throw TensorError.invalidArgument(
                op: op, "input \(shape) with weight \(weight.shape) needs more multiply-adds than can be counted")
        }

        let geo = ConvGeometry(
            channels: cg, inH: h, inW: w, outH: oh, outW: ow, kh: kh, kw: kw,
            stride: stride, dilation: dilation, padTop: padding.top, padLeft: padding.left)
        let m = cout / groups
        let depthwise = groups > 1 && groups == cin && cout == cin
        let x = detached, wt = weight.detached, b = bias?.detached
        // Filters that take no gradient keep their Winograd transform between passes.
        let frozen = weight.requiresGrad ? nil : wt.storage

        // Forward, input gradient and weight gradient each cost one multiply-add per tap.
        KernelPolicy.count(multiplyAdds: multiplyAdds)
        var y = Tensor(uninitialized: [batch, cout, oh, ow])
        let yp = y.mutablePointer
        if depthwise {
            depthwiseForward(x.pointer, weights: wt.pointer, bias: b?.pointer, batch: batch, channels: cin, geo,
                             into: yp, clamp: activation.clamp)
        } else {
            convGather(x.pointer, batch: batch, groups: groups, geo, weights: wt.pointer, m: m, bias: b?.pointer,
                       into: yp, clamp: activation.clamp, frozen: frozen)
        }
        let output: Tensor? = activation == .none ? nil : y

        let inShape = shape, wShape = weight.shape
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        return Tensor.record(op, y, inputs: inputs) { seed, ctx in
            // The activation's backward first, from the output (as `rectifier` does).
            let g = output.map {
                Tensor.rectifierGradient(seed, output: $0, upper: activation.clamp.upper, rule: ctx.reluRule)
            } ?? seed
            var dx: Tensor?, dw: Tensor?
            if ctx.needs[0] {
                KernelPolicy.count(multiplyAdds: multiplyAdds)
                var t = Tensor(uninitialized: inShape)
                let tp = t.mutablePointer
                if depthwise {
                    depthwiseInputGradient(g.pointer, weights: wt.pointer, batch: batch, channels: cin, geo, into: tp)
                } else {
                    convInputGradient(g.pointer, batch: batch, groups: groups, geo, weights: wt.pointer, m: m, into: tp,
                                      frozen: frozen)
                }
                dx = t
            }
            if ctx.needs[1] {
                KernelPolicy.countWeightGradient()
                KernelPolicy.count(multiplyAdds: multiplyAdds)
                var t = Tensor(uninitialized: wShape)
                let tp = t.mutablePointer
                if depthwise {
                    depthwiseWeightGradient(x.pointer, g.pointer, batch: batch, channels: cin, geo, into: tp)
                } else {
                    convWeightGradient(x.pointer, g.pointer, batch: batch, groups: groups, geo, m: m, into: tp)
                }
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

/// Argument checks shared by conv2d and convTranspose2d, each error naming the op and shapes.
extension Tensor {
    /// Output positions of a convolution along one axis, (i + pad_before + pad_after −
    /// d·(k−1) − 1) / s + 1, or 0 when the dilated kernel is wider than the padded input:
    /// shape inference without running the convolution.
    public static func conv2dOutputSize(input: Int, padding: (before: Int, after: Int), kernel: Int, stride: Int,
                                        dilation: Int) throws -> Int {
        try ConvCheck.outputSize("conv2d", input: input, before: padding.before, after: padding.after, kernel: kernel,
                                 stride: stride, dilation: dilation)
    }
}

enum ConvCheck {
    static func ranks(_ op: String, input: [Int], weight: [Int]) throws {
        guard input.count == 4 else {
            throw TensorError.invalidArgument(op: op, "input must be NCHW (rank 4), got shape \(input)")
        }
        guard weight.count == 4 else {
            throw TensorError.invalidArgument(op: op, "weight must be rank 4, got shape \(weight)")
        }
        guard weight[2] > 0, weight[3] > 0 else {
            throw TensorError.invalidArgument(op: op, "weight \(weight) has an empty kernel")
        }
    }

    static func hyper(_ op: String, stride: Int, dilation: Int, groups: Int, padding: Padding2D) throws {
        guard stride > 0 else { throw TensorError.invalidArgument(op: op, "stride must be positive, got \(stride)") }
        guard dilation > 0 else {
            throw TensorError.invalidArgument(op: op, "dilation must be positive, got \(dilation)")
        }
        guard groups > 0 else { throw TensorError.invalidArgument(op: op, "groups must be positive, got \(groups)") }
        guard padding.top >= 0, padding.bottom >= 0, padding.left >= 0, padding.right >= 0 else {
            throw TensorError.invalidArgument(op: op, "padding must be non-negative, got \(padding)")
        }
    }

    /// Output positions along one axis, (i + pad_before + pad_after − d·(k−1) − 1) / s + 1,
    /// or 0 when the dilated kernel is wider than the padded input. Overflow throws: the
    /// sizes may come from a user's model spec.
    static func outputSize(_ op: String, input: Int, before: Int, after: Int, kernel: Int, stride: Int,
                           dilation: Int) throws -> Int {
        guard let padded = CheckedSize.add(input, before).flatMap({ CheckedSize.add($0, after) }),
              let reach = CheckedSize.multiply(dilation, kernel - 1) else {
            throw TensorError.invalidArgument(
                op: op, "input \(input) with padding \(before)+\(after), kernel \(kernel) and dilation \(dilation) overflows")
        }
        // The "− 1) / s + 1" rounds toward zero, so test the span itself.
        let span = padded - reach
        return span > 0 ? (span - 1) / stride + 1 : 0
    }

    static func bias(_ op: String, _ bias: Tensor?, channels: Int) throws {
        if let bias, bias.shape != [channels] {
            throw TensorError.shapeMismatch(op: op + " bias", bias.shape, [channels])
        }
    }
}
