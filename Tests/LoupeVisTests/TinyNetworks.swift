import LoupeNN
import LoupeTensor

/// Small networks with fixed weights whose gradients are worked out by hand in the tests.
enum TinyNetworks {
    static func preset(side: Int, classes: Int = 1) -> Preset {
        Preset(inputSize: side, channels: 1, mean: [0], std: [1], labels: (0..<classes).map { "class \($0)" })
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
        let conv = try Conv2d(1, 2, kernel: 3)
        conv.weight.value = try Tensor(shape: [2, 1, 3, 3], scalars: [
            1, 0, 0, 0, 1, 0, 0, 0, 1,
            0, 1, 0, 1, -1, 1, 0, 1, 0,
        ])
        conv.bias?.value = Tensor([-2.5, -3.5])
        let linear = try Linear(8, 1)
        linear.weight.value = try Tensor(shape: [1, 8], scalars: [1, -1, 2, 1, -2, 1, 1, 0.5])
        linear.bias?.value = Tensor([0])
        return Model(name: "tiny", network: Sequential([conv, ReLU(), Flatten(), linear]), preset: preset(side: 4))
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
