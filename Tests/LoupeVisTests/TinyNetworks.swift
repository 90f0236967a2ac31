import LoupeNN
import LoupeTensor

/// Small networks with fixed weights whose gradients are worked out by hand in the tests.
enum TinyNetworks {
    static func preset(side: Int, classes: Int = 1, channels: Int = 1) -> Preset {
        Preset(inputSize: side, channels: channels, mean: [Float](repeating: 0, count: channels),
               std: [Float](repeating: 1, count: channels), labels: (0..<classes).map { "class \($0)" })
    }

    static func image(_ rows: [[Float]]) throws -> Tensor {
        try Tensor(shape: [1, 1, rows.count, rows[0].count], scalars: rows.flatMap { $0 })
    }

    /// 1-channel 4×4 input → conv 3×3 (2 output channels, negative biases) → ReLU →
    /// flatten → linear 8 → 1. Taps: "0" conv, "1" ReLU, "2" flatten, "3" logits.
    ///
    /// K1 (channel 0) is the diagonal [[1,0,0],[0,1,0],[0,0,1]], bias −2.5;
    /// K2 (channel 1) is the cross [[0,1,0],[1,−1,1],[0,1,0]], bias −3.5;
    /// v = [1, −1, 2, 1, −2, 1, 1, 0.5] over (channel, y, x) in row-major order.
    static func convReLULinear() throws -> Model {
        let conv = try diagonalAndCross()
        let linear = try Linear(8, 1)
        linear.weight.value = try Tensor(shape: [1, 8], scalars: [1, -1, 2, 1, -2, 1, 1, 0.5])
        linear.bias?.value = Tensor([0])
        return Model(name: "tiny", network: Sequential([conv, ReLU(), Flatten(), linear]), preset: preset(side: 4))
    }

    /// The conv of `convReLULinear`: K1 the diagonal (bias −2.5), K2 the cross (bias −3.5).
    static func diagonalAndCross() throws -> Conv2d {
        let conv = try Conv2d(1, 2, kernel: 3)
        conv.weight.value = try Tensor(shape: [2, 1, 3, 3], scalars: [
            1, 0, 0, 0, 1, 0, 0, 0, 1,
            0, 1, 0, 1, -1, 1, 0, 1, 0,
        ])
        conv.bias?.value = Tensor([-2.5, -3.5])
        return conv
    }

    /// CAM's architecture: the conv of `convReLULinear` → ReLU → global average pool →
    /// flatten → linear 2 → 2 with W = [[1, −2], [0.5, 1]] and b = [0.25, −0.5].
    /// Taps: "0" conv, "1" ReLU (2×2×2), "2" pool, "3" flatten, "4" logits.
    static func convGAPLinear() throws -> Model {
        let linear = try Linear(2, 2)
        linear.weight.value = try Tensor(shape: [2, 2], scalars: [1, -2, 0.5, 1])
        linear.bias?.value = Tensor([0.25, -0.5])
        return Model(name: "tiny-gap", network: Sequential([try diagonalAndCross(), ReLU(), AdaptiveAvgPool2d(height: 1, width: 1),
                                                            Flatten(), linear]),
                     preset: preset(side: 4, classes: 2))
    }

    /// A 2-channel 2×2 input passed through a 1×1 identity conv and ReLU, so the activation
    /// at tap "1" is the input itself, then global average pool → flatten → linear 2 → 2
    /// with W = [[2, −1], [−1, 1]] and no bias: z = W·(channel means).
    static func identityGAPLinear() throws -> Model {
        let conv = try Conv2d(2, 2, kernel: 1)
        conv.weight.value = try Tensor(shape: [2, 2, 1, 1], scalars: [1, 0, 0, 1])
        conv.bias?.value = Tensor([0, 0])
        let linear = try Linear(2, 2)
        linear.weight.value = try Tensor(shape: [2, 2], scalars: [2, -1, -1, 1])
        linear.bias?.value = Tensor([0, 0])
        return Model(name: "tiny-identity", network: Sequential([conv, ReLU(), AdaptiveAvgPool2d(height: 1, width: 1),
                                                                 Flatten(), linear]),
                     preset: preset(side: 2, classes: 2, channels: 2))
    }

    /// X of the hand computations:
    ///   1 2 0 1
    ///   0 1 3 1
    ///   2 0 1 0
    ///   1 1 0 2
    static func convInput() throws -> Tensor {
        try image([[1, 2, 0, 1], [0, 1, 3, 1], [2, 0, 1, 0], [1, 1, 0, 2]])
    }

    /// flatten → linear 16 → 1 with w_i = i and no bias: score = Σ i·x_i.
    static func linear(side: Int = 4) throws -> Model {
        let n = side * side
        let linear = try Linear(n, 1)
        linear.weight.value = try Tensor(shape: [1, n], scalars: (0..<n).map(Float.init))
        linear.bias?.value = Tensor([0])
        return Model(name: "linear", network: Sequential([Flatten(), linear]), preset: preset(side: side))
    }
}
