import Foundation
import LoupeTensor

/// What a model expects of its input and what its outputs mean.
public struct Preset: Sendable {
    /// Square input side in pixels (224 for EfficientNet-Lite0, 28 for Fashion-MNIST).
    public var inputSize: Int
    /// 3 for RGB, 1 for grayscale.
    public var channels: Int
    /// Per-channel normalization applied inside the model to pixels in [0, 1]:
    /// (x − mean) / std. Attacks and visualizations work in [0, 1] pixel space.
    public var mean: [Float]
    public var std: [Float]
    public var labels: [String]

    public init(inputSize: Int, channels: Int, mean: [Float], std: [Float], labels: [String]) {
        (self.inputSize, self.channels, self.mean, self.std, self.labels) = (inputSize, channels, mean, std, labels)
    }

    /// EfficientNet-Lite: (pixel − 127) / 128 on 0–255 pixels, i.e. mean 127/255, std 128/255.
    public static let efficientNetLite = Preset(
        inputSize: 224, channels: 3, mean: [Float](repeating: 127 / 255, count: 3),
        std: [Float](repeating: 128 / 255, count: 3), labels: imageNetLabels)

    /// torchvision's ImageNet models (VGG, AlexNet, ResNet).
    public static let torchvisionImageNet = Preset(
        inputSize: 224, channels: 3, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], labels: imageNetLabels)

    public static let fashionMNIST = Preset(
        inputSize: 28, channels: 1, mean: [0], std: [1],
        labels: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])

    /// Index of a class given by number or by name (case-insensitive); unknown names
    /// fail with the closest label names.
    public func classIndex(_ spec: String) throws -> Int {
        if let i = Int(spec) {
            guard labels.indices.contains(i) else {
                throw ModelError.invalid("class index \(i) is outside 0..<\(labels.count)")
            }
            return i
        }
        let wanted = spec.lowercased().trimmingCharacters(in: .whitespaces)
        if let i = labels.firstIndex(where: { $0.lowercased() == wanted }) { return i }
        throw ModelError.invalid(
            "unknown class '\(spec)'; nearest class names: \(Suggest.nearest(spec, in: labels).joined(separator: ", "))")
    }
}
