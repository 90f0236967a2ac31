import LoupeTensor

/// Parameter-free layers: activations, pooling, reshaping and dropout.

public final class ReLU: Module {
    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor { x.relu() }
}

public final class ReLU6: Module {
    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor { x.relu6() }
}

/// A pooling window: max and average pooling differ only in what they compute over it,
/// so they share its geometry and its receptive-field arithmetic.
public class Pool2d: Module {
    public let kernel, stride, padding: Int
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        (self.kernel, self.stride, self.padding) = (kernel, stride ?? kernel, padding)
    }
    public override func receptiveField(
        _ field: ReceptiveField, path: String, taps: inout [String: ReceptiveField?]
    ) throws -> ReceptiveField? {
        field.through(kernel: kernel, stride: stride, padding: .symmetric(padding))
    }
}

public final class MaxPool2d: Pool2d {
    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        try x.maxPool2d(kernel: kernel, stride: stride, padding: padding)
    }
}

public final class AvgPool2d: Pool2d {
    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        try x.avgPool2d(kernel: kernel, stride: stride, padding: padding)
    }
}

/// Average pooling to a fixed output size; (1, 1) is global average pooling, kept 4-D.
public final class AdaptiveAvgPool2d: Module {
    public let height, width: Int
    public init(height: Int, width: Int) { (self.height, self.width) = (height, width) }
    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        try x.adaptiveAvgPool2d(height: height, width: width)
    }
    /// The identity when the map already has the output size; otherwise windows of
    /// varying size: treated as seeing the whole image.
    public override func receptiveField(
        _ field: ReceptiveField, path: String, taps: inout [String: ReceptiveField?]
    ) throws -> ReceptiveField? {
        field.y.length == height && field.x.length == width ? field : nil
    }
}

/// Flattens every axis after the batch axis.
public final class Flatten: Module {
    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor { try x.flattened(from: 1) }
    public override func receptiveField(
        _ field: ReceptiveField, path: String, taps: inout [String: ReceptiveField?]
    ) throws -> ReceptiveField? { nil }
}

/// Inverted dropout in training, identity otherwise.
public final class Dropout: Module {
    public let p: Float
    public init(p: Float = 0.5) throws {
        guard p >= 0 && p < 1 else { throw ModelError.invalid("Dropout probability \(p) is outside [0, 1)") }
        self.p = p
    }
    public override func forward(_ x: Tensor, _ ctx: ForwardContext) throws -> Tensor {
        guard ctx.training, p > 0 else { return x }
        return try x.dropout(p: p, training: true, stream: ctx.nextDropoutStream())
    }
}
