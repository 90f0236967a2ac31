import Foundation
import LoupeData
import LoupeNN
import LoupeTensor

/// Images to scan for a unit's top activations, loaded a batch at a time.
public struct ExemplarSource {
    public let name: String
    public let count: Int
    /// The images at these indices as model input [B, C, H, W] in [0, 1].
    public let load: ([Int]) throws -> Tensor
    /// A caption for image i (its file or its label).
    public let caption: (Int) -> String

    public init(name: String, count: Int, load: @escaping ([Int]) throws -> Tensor, caption: @escaping (Int) -> String) {
        (self.name, self.count, self.load, self.caption) = (name, count, load, caption)
    }

    /// What `--data` names: fashion-mnist[:train|:test], photos (the sample photos that
    /// `make assets` fetches) or a folder of PNG/JPEG images.
    public static func named(_ spec: String, model: Model) throws -> ExemplarSource {
        let lower = spec.lowercased()
        if lower == "fashion-mnist" || lower.hasPrefix("fashion-mnist:") {
            let split = lower.hasPrefix("fashion-mnist:") ? String(lower.dropFirst("fashion-mnist:".count)) : "test"
            guard ["train", "test"].contains(split) else { throw VisError.invalid("--data fashion-mnist:SPLIT takes train or test") }
            guard model.preset.channels == 1, model.preset.inputSize == 28 else {
                throw VisError.invalid("fashion-mnist images are 28×28 gray; \(model.name) expects \(model.preset.channels)×\(model.preset.inputSize)²")
            }
            return try fashionMNIST(split: split)
        }
        if lower == "photos" {
            let files = Assets.photoFiles()
            guard !files.isEmpty else { throw VisError.invalid("no sample photos found: run `make assets`") }
            return self.files(files, model: model, name: "photos")
        }
        return try folder(spec, model: model)
    }

    /// Labeled images (Fashion-MNIST, …) already in memory.
    public static func labeled(_ data: LabeledImages, name: String) -> ExemplarSource {
        ExemplarSource(name: name, count: data.count, load: { try data.batch($0).images },
                       caption: { i in "#\(i) \(data.classes[data.labels[i]])" })
    }

    /// The Fashion-MNIST test split from the Debian package's folder.
    public static func fashionMNIST(split: String = "test") throws -> ExemplarSource {
        let data = try IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: split,
                                       classes: IDXDataset.fashionMNISTClasses)
        return labeled(data, name: "fashion-mnist:\(split)")
    }

    /// Image files (PNG/JPEG), prepared as `model.input(from:)` does.
    public static func files(_ paths: [String], model: Model, name: String) -> ExemplarSource {
        ExemplarSource(name: name, count: paths.count, load: { indices in
            try Tensor.concat(indices.map { try model.input(from: try Image.load(path: paths[$0])) }, axis: 0)
        }, caption: { (paths[$0] as NSString).lastPathComponent })
    }

    /// Every PNG/JPEG in `folder` (not recursive), sorted by name.
    public static func folder(_ folder: String, model: Model) throws -> ExemplarSource {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw VisError.invalid("\(folder): no such image folder")
        }
        let paths = try ImageFolderDataset.imageFiles(in: folder, recursive: false)
        guard !paths.isEmpty else { throw VisError.invalid("\(folder): no PNG or JPEG images in the folder") }
        return files(paths, model: model, name: folder)
    }
}
