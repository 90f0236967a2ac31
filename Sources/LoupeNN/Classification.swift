import LoupeData
import LoupeTensor

/// One class's score for one image.
public struct Prediction: Codable, Equatable, Sendable {
    public let index: Int
    public let name: String
    public let logit: Float
    public let probability: Float

    public init(index: Int, name: String, logit: Float, probability: Float) {
        (self.index, self.name, self.logit, self.probability) = (index, name, logit, probability)
    }
}

extension Model {
    /// An image as this model's input: center-cropped to a square, resized (antialiased
    /// when shrinking) to the preset size, converted to the preset's channels, in [0, 1].
    /// Alpha is composited onto white first, so a transparent pixel's hidden colour never
    /// bleeds into its neighbours through the resize.
    public func input(from image: Image) throws -> Tensor {
        let side = preset.inputSize
        var square = image.withoutAlpha().centerCroppedToSquare()
        if square.width != side { square = try square.resized(width: side, height: side) }
        return try square.converted(toChannels: preset.channels).tensor()
    }

    /// The `k` most probable classes for each image in a batch of pixels.
    public func topK(_ pixels: Tensor, k: Int) throws -> [[Prediction]] {
        let logits = try self.logits(pixels)
        return try Model.topK(logits: logits, k: k, labels: preset.labels)
    }

    /// Top-k from logits [N, classes], highest probability first.
    public static func topK(logits: Tensor, k: Int, labels: [String]) throws -> [[Prediction]] {
        let probabilities = try logits.softmax().scalars, values = logits.scalars
        let classes = logits.shape[1]
        return (0..<logits.shape[0]).map { i in
            let row = i * classes
            let order = (0..<classes).sorted { values[row + $0] > values[row + $1] || (values[row + $0] == values[row + $1] && $0 < $1) }
            return order.prefix(max(k, 0)).map { c in
                Prediction(index: c, name: c < labels.count ? labels[c] : "class \(c)",
                           logit: values[row + c], probability: probabilities[row + c])
            }
        }
    }
}
