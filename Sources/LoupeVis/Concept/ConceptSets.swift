import Foundation
import LoupeData

/// A named set of images: a concept, a random set, or the class's examples.
struct ConceptSet {
    let name: String
    let source: String
    let images: [Image]

    /// `synthetic:PATTERN` drawn at `side` pixels, or a folder's first `count` images by name.
    static func concept(_ spec: String, count: Int, side: Int, seed: UInt64) throws -> ConceptSet {
        if spec.lowercased().hasPrefix("synthetic:") {
            let name = String(spec.dropFirst("synthetic:".count)).lowercased()
            guard let pattern = ConceptPattern(rawValue: name) else { throw VisError.invalid("unknown synthetic concept '\(name)'") }
            return ConceptSet(name: name, source: "synthetic:\(name)", images: try (0..<count).map {
                try SyntheticConcepts.image(pattern, index: $0, side: side, seed: seed)
            })
        }
        return try folder(spec, count: count)
    }

    /// Random set `set`: smooth noise, or the folder `spec`.
    static func random(_ spec: String, set: Int, count: Int, side: Int, seed: UInt64) throws -> ConceptSet {
        if spec.lowercased() == "synthetic" {
            return ConceptSet(name: "random \(set)", source: "synthetic noise \(set)", images: try (0..<count).map {
                try SyntheticConcepts.noise(set: set, index: $0, side: side, seed: seed)
            })
        }
        return try folder(spec, count: count)
    }

    static func folder(_ path: String, count: Int) throws -> ConceptSet {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else {
            throw VisError.invalid("\(path): not a folder of images (or give synthetic:stripes|dots|checkerboard|zigzag)")
        }
        let files = ((try? ImageFolderDataset.imageFiles(in: path, recursive: false)) ?? []).prefix(count)
        guard files.count >= 4 else { throw VisError.invalid("\(path) holds \(files.count) PNG/JPEG images: a set needs at least 4") }
        let images = try files.map { try Image.load(path: $0) }
        return ConceptSet(name: (path as NSString).lastPathComponent, source: path, images: images)
    }
}
