import Foundation
import LoupeTensor

extension Image {
    /// Reads a PNG or JPEG file, recognised by its first bytes, not its extension
    /// (downloads are often misnamed). Every failure is an `ImageError` naming the file.
    public static func load(path: String, limits: ResourceLimits = .default) throws -> Image {
        switch InputFileProblem.check(path) {
        case nil: break
        case .missing?: throw ImageError.fileNotFound(path: path)
        case let problem?: throw ImageError.unreadable(path: path, reason: problem.description)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ImageError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try decode([UInt8](data), name: path, limits: limits)
    }

    /// Decodes PNG or JPEG bytes; `name` is used in error messages. Dimensions beyond
    /// `limits` are refused from the header, before any pixel is allocated.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>", limits: ResourceLimits = .default) throws -> Image {
        switch ImageFormat(magic: bytes) {
        case .png: return try PNGCodec.decode(bytes, name: name, limits: limits)
        case .jpeg: return try JPEGCodec.decode(bytes, name: name, limits: limits)
        case .other(let what): throw ImageError.unsupportedFormat(path: name, reason: what)
        }
    }

    /// The image encoded as PNG (8-bit gray, RGB or RGBA).
    public func pngData(name: String = "<memory>") throws -> [UInt8] {
        try PNGCodec.encode(self, name: name)
    }

    /// Writes the image as PNG. The file appears whole or not at all (written to a
    /// temporary name, then renamed), so a crash never leaves half an image behind.
    public func savePNG(path: String) throws {
        let bytes = try pngData(name: path)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ImageError.writeFailed(path: path, reason: error.localizedDescription)
        }
    }
}

/// What a file's first bytes say it is.
enum ImageFormat: Equatable {
    case png, jpeg
    case other(String)

    init(magic bytes: [UInt8]) {
        func starts(_ prefix: [UInt8]) -> Bool { bytes.count >= prefix.count && Array(bytes.prefix(prefix.count)) == prefix }
        if bytes.isEmpty { self = .other("the file is empty"); return }
        if starts(PNGCodec.signature) { self = .png; return }
        if starts([0xFF, 0xD8, 0xFF]) { self = .jpeg; return }
        // A prefix of a known signature means the file was cut short, not that it is foreign.
        if bytes.count < PNGCodec.signature.count && Array(PNGCodec.signature.prefix(bytes.count)) == bytes {
            self = .other("truncated PNG signature (\(bytes.count) bytes)"); return
        }
        let known: [(String, [UInt8])] = [
            ("GIF", Array("GIF8".utf8)), ("BMP", Array("BM".utf8)), ("TIFF", [0x49, 0x49, 0x2A, 0x00]),
            ("TIFF", [0x4D, 0x4D, 0x00, 0x2A]), ("WebP", Array("RIFF".utf8)),
        ]
        if let hit = known.first(where: { starts($0.1) }) {
            self = .other("\(hit.0) files are not supported (PNG and JPEG are)"); return
        }
        let head = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        self = .other("not a PNG or JPEG file (starts with \(head))")
    }
}
