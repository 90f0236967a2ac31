import LoupeData
import LoupeNN
import LoupeTensor

/// The images `loupe embed` maps, with a class for each: a labelled data set as the
/// evaluate and robustness labs read it, or the sample photos labelled by the model.
struct EmbedData {
    let name: String
    let count: Int
    let classes: [String]
    /// Whether `labels` come from the data (else from the model's top class).
    let labelled: Bool
    /// The images at these indices as model input [B, C, H, W] in [0, 1].
    let load: ([Int]) throws -> Tensor
    /// Labels known up front (nil for photos, whose labels are the model's predictions).
    let labels: [Int]?

    static func named(_ spec: String, model: Model, limit: Int?) throws -> EmbedData {
        let p = model.preset
        if spec.lowercased() == "photos" {
            let files = Array(Assets.photoFiles().prefix(limit ?? Int.max))
            guard !files.isEmpty else { throw VisError.invalid("no sample photos found: run `make assets`") }
            return EmbedData(name: "photos", count: files.count, classes: p.labels, labelled: false, load: { indices in
                try Tensor.concat(indices.map { try model.input(from: try Image.load(path: files[$0])) }, axis: 0)
            }, labels: nil)
        }
        let data = try DatasetSpec.load(spec, defaultSplit: "test", size: p.inputSize, channels: p.channels, classes: p.labels)
            .prefix(limit)
        guard data.channels == p.channels, data.height == p.inputSize, data.width == p.inputSize else {
            throw VisError.invalid("\(model.name) takes \(p.channels)×\(p.inputSize)×\(p.inputSize) images but \(data.source) has \(data.channels)×\(data.height)×\(data.width)")
        }
        return EmbedData(name: data.source, count: data.count, classes: data.classes, labelled: true,
                         load: { try data.batch($0).images }, labels: data.labels)
    }
}
