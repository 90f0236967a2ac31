import LoupeData
import LoupeNN
import LoupeTensor

/// Images whose activations a lab collects (embed, probe, concept), with a class for
/// each: a labelled data set as the evaluate and robustness labs read it, the sample
/// photos labelled by the model, or a list of images (a concept or random set).
struct ActivationData {
    let name: String
    let count: Int
    let classes: [String]
    /// Whether `labels` come from the data (else from the model's top class, or none).
    let labelled: Bool
    /// The images at these indices as model input [B, C, H, W] in [0, 1].
    let load: ([Int]) throws -> Tensor
    /// Labels known up front (nil for photos and image lists).
    let labels: [Int]?

    /// `spec` as `--data` names it; `defaultSplit` applies when it names none. An image
    /// folder's classes are its own (a probe or an embedding needs no match with the
    /// model's classes), sorted by name unless `classes` fixes them, as a test split must
    /// take its train split's.
    static func named(_ spec: String, model: Model, limit: Int?, defaultSplit: String = "test",
                      classes: [String]? = nil) throws -> ActivationData {
        let p = model.preset
        if spec.lowercased() == "photos" {
            let files = Array(Assets.photoFiles().prefix(limit ?? Int.max))
            guard !files.isEmpty else { throw VisError.invalid("no sample photos found: run `make assets`") }
            return ActivationData(name: "photos", count: files.count, classes: p.labels, labelled: false, load: { indices in
                try Tensor.concat(indices.map { try model.input(from: try Image.load(path: files[$0])) }, axis: 0)
            }, labels: nil)
        }
        let data = try DatasetSpec.load(spec, defaultSplit: defaultSplit, size: p.inputSize, channels: p.channels, classes: classes)
            .prefix(limit)
        guard data.channels == p.channels, data.height == p.inputSize, data.width == p.inputSize else {
            throw VisError.invalid("\(model.name) takes \(p.channels)×\(p.inputSize)×\(p.inputSize) images but \(data.source) has \(data.channels)×\(data.height)×\(data.width)")
        }
        return ActivationData(name: data.source, count: data.count, classes: data.classes, labelled: true,
                              load: { try data.batch($0).images }, labels: data.labels)
    }

    /// Decoded images (a concept or random set) as the model's input, unlabelled.
    static func images(_ images: [Image], name: String, model: Model) -> ActivationData {
        ActivationData(name: name, count: images.count, classes: model.preset.labels, labelled: false, load: { indices in
            try Tensor.concat(indices.map { try model.input(from: images[$0]) }, axis: 0)
        }, labels: nil)
    }

    /// The items at `indices`, in that order (labels kept).
    func subset(_ indices: [Int], name: String? = nil) -> ActivationData {
        let load = self.load
        return ActivationData(name: name ?? self.name, count: indices.count, classes: classes, labelled: labelled,
                              load: { try load($0.map { indices[$0] }) }, labels: labels.map { l in indices.map { l[$0] } })
    }
}
