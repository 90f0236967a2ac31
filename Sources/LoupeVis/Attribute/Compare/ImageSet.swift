import Foundation
import LoupeData

/// The images `--images` names: a folder (every PNG and JPEG in it, by name, not
/// recursive) or a comma-separated list of image files, several of either given as
/// several values. Every image is decoded before any method runs, so a bad file fails in
/// a second with its name, not after an hour of maps.
public enum ImageSet {
    /// The image paths of `specs`, in order, each checked to decode.
    public static func paths(_ specs: [String]) throws -> [String] {
        guard !specs.isEmpty else { throw VisError.invalid("--images needs a folder or a comma-separated list of images") }
        var paths: [String] = []
        for spec in specs {
            if isFolder(spec) {
                paths += try folder(spec)
                continue
            }
            // The shell expands ~ only at the start of a word, so items after a comma arrive unexpanded.
            let items = spec.split(separator: ",", omittingEmptySubsequences: false)
                .map { ($0.trimmingCharacters(in: .whitespaces) as NSString).expandingTildeInPath }
            guard !items.contains(where: \.isEmpty) else {
                throw VisError.invalid("--images '\(spec)': an empty name in the list; give a folder or image paths separated by commas")
            }
            for item in items {
                if isFolder(item) {
                    throw VisError.invalid("--images: \(item) is a folder inside a list; give a folder alone or a list of image files")
                }
                paths.append(item)
            }
        }
        for path in paths { _ = try Image.load(path: path) }
        return paths
    }

    /// Every PNG and JPEG in `folder`, sorted by name.
    public static func folder(_ folder: String) throws -> [String] {
        guard let images = try? ImageFolderDataset.imageFiles(in: folder, recursive: false) else {
            throw VisError.invalid("--images: cannot list the folder \(folder)")
        }
        guard !images.isEmpty else { throw VisError.invalid("--images: no PNG or JPEG images in the folder \(folder)") }
        return images
    }

    static func isFolder(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
