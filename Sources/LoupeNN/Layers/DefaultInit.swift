import LoupeTensor

/// PyTorch's default initialization of a layer, so a model trained here starts where the
/// same model in PyTorch would: weight and bias uniform in ±1/√fan_in (`kaiming_uniform`
/// with a = √5 gives exactly that bound for the weight). Only `fanIn` differs by layer.
func defaultInitialized(weight shape: [Int], fanIn: Int, biases: Int?, stream: RandomStream) throws
    -> (weight: Parameter, bias: Parameter?)
{
    let bound = 1 / Float(fanIn).squareRoot()
    let weight = Parameter(try Tensor.randomUniform(shape, low: -bound, high: bound, stream: stream.derived(1)))
    let bias = try biases.map {
        Parameter(try Tensor.randomUniform([$0], low: -bound, high: bound, stream: stream.derived(2)))
    }
    return (weight, bias)
}
