import Foundation

/// What `--data` names: `fashion-mnist` (the Debian package's files), a folder of IDX
/// files (MNIST and friends), or an image folder with one subfolder per class; each may
/// end in `:train` or `:test` to pick a split.
public enum DatasetSpec {
    public static let fashionMNISTName = "fashion-mnist"

    /// Loads the data set `spec` names. `defaultSplit` applies when the spec names none.
    /// Image folders are resized to `size`×`size` with `channels` channels; `classes`
    /// (a model's labels) fixes their class order.
    public static func load(
        _ spec: String, defaultSplit: String, size: Int = 28, channels: Int = 1, classes: [String]? = nil
    ) throws -> LabeledImages {
        let (location, explicitSplit) = split(spec)
        let splitName = explicitSplit ?? defaultSplit
        if location.lowercased() == fashionMNISTName {
            return try IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: splitName)
        }
        var isDir: ObjCBool = false
        if explicitSplit == nil, let colon = location.lastIndex(of: ":") {
            let head = String(location[..<colon])
            if head.lowercased() == fashionMNISTName || FileManager.default.fileExists(atPath: head) {
                throw DatasetError.invalid("unknown split '\(location[location.index(after: colon)...])' in '\(spec)': use :train or :test")
            }
        }
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDir) else {
            throw DatasetError.missing(location, hint: "--data takes fashion-mnist, a folder of IDX files or an image folder (one subfolder per class), optionally with :train or :test")
        }
        guard isDir.boolValue else {
            throw DatasetError.invalid("\(location): a data set is a folder (IDX files or one subfolder per class), not a file")
        }
        if isIDXFolder(location) {
            return try IDXDataset.load(folder: location, split: splitName)
        }
        // root/train/<class>/… and root/test/<class>/… pick the split's subfolder.
        let sub = (location as NSString).appendingPathComponent(splitName)
        if FileManager.default.fileExists(atPath: sub, isDirectory: &isDir), isDir.boolValue,
           !(try ImageFolderDataset.classFolders(sub)).isEmpty {
            return try ImageFolderDataset.load(folder: sub, size: size, channels: channels, classes: classes)
        }
        if let explicitSplit {
            throw DatasetError.missing(sub, hint: "':\(explicitSplit)' needs a '\(explicitSplit)' subfolder of class folders in \(location)")
        }
        return try ImageFolderDataset.load(folder: location, size: size, channels: channels, classes: classes)
    }

    /// Splits `PATH:train` into the path and the split. A path that exists as written
    /// keeps any colon it contains.
    static func split(_ spec: String) -> (String, String?) {
        for name in ["train", "test"] where spec.hasSuffix(":" + name) {
            if FileManager.default.fileExists(atPath: spec) { return (spec, nil) }
            return (String(spec.dropLast(name.count + 1)), name)
        }
        return (spec, nil)
    }

    /// Whether `folder` holds IDX image files for either split.
    static func isIDXFolder(_ folder: String) -> Bool {
        ["train", "t10k"].contains { prefix in
            ["", ".gz"].contains { FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("\(prefix)-images-idx3-ubyte\($0)")) }
        }
    }
}
