import LoupeData
import LoupeNN
import LoupeTensor

/// The classify lab: each image decoded and classified once, as the model sees it.
public struct ClassifyResult: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public let image: String
        public let top: [Prediction]
    }

    public var model: String
    public var results: [Item]
}

public enum Classification {
    /// Classifies the images at `paths`; also returns each model input, for the report.
    public static func run(
        _ paths: [String], model: Model, settings: ClassifySettings
    ) throws -> (result: ClassifyResult, inputs: [Tensor]) {
        try settings.validate()
        let k = min(settings.top, max(model.preset.labels.count, 1))
        var items: [ClassifyResult.Item] = [], inputs: [Tensor] = []
        for path in paths {
            let input = try model.input(from: try Image.load(path: path))
            items.append(.init(image: path, top: try model.topK(input, k: k)[0]))
            inputs.append(input)
        }
        return (ClassifyResult(model: model.name, results: items), inputs)
    }
}
