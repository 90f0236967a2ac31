import Foundation

/// A user's own labeled images laid out as torchvision's ImageFolder: one subfolder per
/// class (sorted names give the class order), PNG or JPEG files inside, at any depth.
public enum ImageFolderDataset {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The class subfolders of `folder`, sorted as torchvision sorts them.
    public static func classFolders(_ folder: String) throws -> [String] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else {
            throw DatasetError.missing(folder, hint: "expected a folder with one subfolder per class")
        }
        return names.filter { name in
            var isDir: ObjCBool = false
            return !name.hasPrefix(".")
                && fm.fileExists(atPath: (folder as NSString).appendingPathComponent(name), isDirectory: &isDir)
                && isDir.boolValue
        }.sorted()
    }

    /// Loads every image, center-cropped to a square and resized to `size`×`size` with
    /// `channels` channels (1 or 3), the preprocessing `Model.input(from:)` applies.
    /// With `classes` (a model's labels), folders are matched to them by name, so labels
    /// follow the model's class order; otherwise the sorted folder names are the classes.
    public static func load(folder: String, size: Int, channels: Int, classes: [String]? = nil) throws -> LabeledImages {
        guard size > 0, channels == 1 || channels == 3 else {
            throw DatasetError.invalid("\(folder): images are resized to a positive size with 1 or 3 channels, got \(size) and \(channels)")
        }
        let folders = try classFolders(folder)
        guard !folders.isEmpty else {
            throw DatasetError.invalid("\(folder): no class subfolders (expected one subfolder of PNG/JPEG files per class)")
        }
        let names = classes ?? folders
        var pixels: [UInt8] = [], labels: [Int] = []
        let plane = size * size
        for name in folders {
            guard let label = names.firstIndex(of: name) else {
                throw DatasetError.invalid(
                    "\(folder)/\(name): no class of that name in the model; its classes are \(names.prefix(20).joined(separator: ", "))")
            }
            let files = try imageFiles(in: (folder as NSString).appendingPathComponent(name))
            guard !files.isEmpty else {
                throw DatasetError.invalid("\(folder)/\(name): no PNG or JPEG files in this class folder")
            }
            for file in files {
                // Flatten alpha before resizing, as the decoder used to (see Model.input(from:)).
                var image = try Image.load(path: file).withoutAlpha().centerCroppedToSquare()
                if image.width != size { image = try image.resized(width: size, height: size) }
                image = try image.converted(toChannels: channels)
                // HWC → CHW, the layout of LabeledImages.
                var chw = [UInt8](repeating: 0, count: plane * channels)
                for i in 0..<plane { for c in 0..<channels { chw[c * plane + i] = image.pixels[i * channels + c] } }
                pixels += chw
                labels.append(label)
            }
        }
        return try LabeledImages(pixels: pixels, labels: labels, channels: channels, height: size, width: size,
                                 classes: names, source: folder)
    }

    /// The image files of `folder`, sorted: PNG and JPEG by extension, hidden files
    /// skipped (the decoder reads the bytes, so a misnamed file still fails there, by name).
    /// With `recursive`, files at any depth below it; otherwise only its own.
    public static func imageFiles(in folder: String, recursive: Bool = true) throws -> [String] {
        let fm = FileManager.default
        var names: [String] = []
        if recursive {
            guard let walker = fm.enumerator(atPath: folder) else { throw DatasetError.missing(folder, hint: nil) }
            while let relative = walker.nextObject() as? String { names.append(relative) }
        } else {
            guard let own = try? fm.contentsOfDirectory(atPath: folder) else { throw DatasetError.missing(folder, hint: nil) }
            names = own
        }
        return names.filter { name in
            let last = (name as NSString).lastPathComponent
            return !last.hasPrefix(".") && extensions.contains((last as NSString).pathExtension.lowercased())
        }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }
}
