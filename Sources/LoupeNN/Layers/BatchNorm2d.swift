import LoupeTensor

/// Batch normalization over channels of NCHW (or [N, C]) input. In training it
/// normalizes with batch statistics and updates the running ones; otherwise it uses
/// the running statistics. `eps` sits inside the square root, which matters for
/// checkpoints with channels whose running variance is exactly 0.
public final class BatchNorm2d: Module {
    public let channels: Int
    public let eps, momentum: Float
    public let weight, bias, runningMean, runningVar, batchesTracked: Parameter

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) throws {
        guard channels > 0 else { throw ModelError.invalid("BatchNorm2d needs a positive channel count") }
        (self.channels, self.eps, self.momentum) = (channels, eps, momentum)
        weight = Parameter(try .ones([channels]))
        bias = Parameter(try .zeros([channels]))
        runningMean = Parameter(try .zeros([channels]))
        runningVar = Parameter(try .ones([channels]))
        batchesTracked = Parameter(Tensor(0))
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVar)
        registerBuffer("num_batches_tracked", batchesTracked)
    }

    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        guard ctx.training else {
            return try x.batchNorm(mean: runningMean.value, variance: runningVar.value,
                                   weight: weight.value, bias: bias.value, eps: eps)
        }
        let (y, mean, variance) = try x.batchNormTraining(weight: weight.value, bias: bias.value, eps: eps)
        runningMean.value = try Tensor.updateRunningStatistic(runningMean.value, batch: mean, momentum: momentum)
        runningVar.value = try Tensor.updateRunningStatistic(runningVar.value, batch: variance, momentum: momentum)
        batchesTracked.value = Tensor(try batchesTracked.value.item + 1)
        return y
    }
}
