/// Zero padding around the two spatial axes of an NCHW tensor, possibly asymmetric:
/// TensorFlow's "SAME" pads one more row/column after than before when the total is odd,
/// and models ported from it (EfficientNet-Lite) need exactly that.
public struct Padding2D: Equatable, Sendable, CustomStringConvertible {
    public var top: Int
    public var bottom: Int
    public var left: Int
    public var right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top
        self.bottom = bottom
        self.left = left
        self.right = right
    }

    public static let zero = Padding2D(top: 0, bottom: 0, left: 0, right: 0)

    /// `p` on every side (PyTorch's `padding=p`).
    public static func symmetric(_ p: Int) -> Padding2D {
        Padding2D(top: p, bottom: p, left: p, right: p)
    }

    /// TensorFlow "SAME": the output has ceil(i/s) positions, and the padding needed for
    /// that, total = max((ceil(i/s)−1)·s + (k−1)·d + 1 − i, 0), goes total/2 before and
    /// the rest after. A stride or dilation below 1 is treated as 1 here; the convolution
    /// itself rejects it with an error naming the argument.
    public static func same(height: Int, width: Int, kernel: Int, stride: Int, dilation: Int = 1) -> Padding2D {
        let s = Swift.max(stride, 1), d = Swift.max(dilation, 1)
        func split(_ i: Int) -> (Int, Int) {
            let out = (i + s - 1) / s
            let total = Swift.max((out - 1) * s + (kernel - 1) * d + 1 - i, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = split(height), (left, right) = split(width)
        return Padding2D(top: top, bottom: bottom, left: left, right: right)
    }

    var isZero: Bool { self == .zero }

    public var description: String { "(top: \(top), bottom: \(bottom), left: \(left), right: \(right))" }
}
