import Foundation
import LoupeTensor

/// Labeled images held as bytes (N×C×H×W, 0–255) and served as [0, 1] float batches.
public struct LabeledImages {
    public let pixels: [UInt8]
    public let labels: [Int]
    public let channels, height, width: Int
    public let classes: [String]
    /// Where the data came from, for reports.
    public let source: String

    public init(pixels: [UInt8], labels: [Int], channels: Int, height: Int, width: Int, classes: [String], source: String) throws {
        guard pixels.count == labels.count * channels * height * width else {
            throw DatasetError.invalid("\(source): \(labels.count) labels but \(pixels.count) pixel bytes for \(channels)×\(height)×\(width) images")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes.count }) {
            throw DatasetError.invalid("\(source): label \(bad) is outside the \(classes.count) classes")
        }
        (self.pixels, self.labels, self.channels, self.height, self.width, self.classes, self.source) =
            (pixels, labels, channels, height, width, classes, source)
    }

    public var count: Int { labels.count }

    /// The images at `indices` as a [B, C, H, W] tensor in [0, 1], with their labels.
    public func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        let size = channels * height * width
        var values = [Float](repeating: 0, count: indices.count * size)
        for (b, i) in indices.enumerated() {
            guard i >= 0 && i < count else { throw DatasetError.invalid("\(source): index \(i) is outside 0..<\(count)") }
            for j in 0..<size { values[b * size + j] = Float(pixels[i * size + j]) / 255 }
        }
        return (try Tensor(shape: [indices.count, channels, height, width], scalars: values), indices.map { labels[$0] })
    }

    /// The first `n` samples (all when n is nil or larger).
    public func prefix(_ n: Int?) throws -> LabeledImages {
        guard let n, n < count else { return self }
        let size = channels * height * width
        return try LabeledImages(pixels: Array(pixels[0..<(max(n, 0) * size)]), labels: Array(labels[0..<max(n, 0)]),
                                 channels: channels, height: height, width: width, classes: classes, source: source)
    }
}

/// Fashion-MNIST and other IDX data sets (MNIST) by name or folder.
public enum IDXDataset {
    public static let fashionMNISTFolder = "/usr/share/datasets/fashion-mnist"
    public static let fashionMNISTClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                             "Sneaker", "Bag", "Ankle boot"]

    /// Loads the `train` or `t10k` split of the IDX files in `folder` (gzipped or not).
    /// Class names default to Fashion-MNIST's for its folder and to "0", "1", … elsewhere.
    public static func load(folder: String, split: String, classes: [String]? = nil) throws -> LabeledImages {
        guard split == "train" || split == "test" else {
            throw DatasetError.invalid("unknown split '\(split)' for \(folder): use train or test")
        }
        let prefix = split == "test" ? "t10k" : split
        func find(_ stem: String) throws -> String {
            for name in [stem + ".gz", stem] {
                let path = (folder as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
            let hint = (folder as NSString).standardizingPath == fashionMNISTFolder ? "install it with: apt-get install dataset-fashion-mnist (make test does)" : nil
            throw DatasetError.missing((folder as NSString).appendingPathComponent(stem + "[.gz]"), hint: hint)
        }
        let imagesPath = try find("\(prefix)-images-idx3-ubyte"), labelsPath = try find("\(prefix)-labels-idx1-ubyte")
        let (dims, pixels) = try IDX.read(path: imagesPath)
        let (ldims, labelBytes) = try IDX.read(path: labelsPath)
        guard dims.count == 3, ldims.count == 1, dims[0] == ldims[0] else {
            throw DatasetError.corrupt(imagesPath, "images \(dims) and labels \(ldims) do not pair up")
        }
        // An empty set would evaluate to a meaningless "0.00% on 0 images".
        guard dims[0] > 0, dims[1] > 0, dims[2] > 0 else {
            throw DatasetError.corrupt(imagesPath, "holds no images (dimensions \(dims))")
        }
        let labels = labelBytes.map(Int.init)
        let standard = (folder as NSString).standardizingPath == fashionMNISTFolder ? fashionMNISTClasses : nil
        let names = classes ?? standard ?? (0...(labels.max() ?? 0)).map(String.init)
        return try LabeledImages(pixels: pixels, labels: labels, channels: 1, height: dims[1], width: dims[2],
                                 classes: names, source: "\(folder):\(split)")
    }
}
