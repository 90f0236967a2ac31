import Foundation
import LoupeReport

/// `sweep.json`: the settings a sweep folder was made with. Its keys are snake_case
/// (`attack_steps`, `unbounded_check`); a field a folder may lack (`loss`,
/// `attack_steps`) is optional, so every such folder still resumes and merges.
extension SweepSettings {
    public static let fileName = "sweep.json"

    public func fileData() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        return try e.encode(self)
    }

    public static func decode(_ data: Data, path: String) throws -> SweepSettings {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        let settings: SweepSettings
        do { settings = try d.decode(SweepSettings.self, from: data) } catch {
            throw AttackError.invalid("\(path): not sweep settings: \(error)")
        }
        // The file is as hostile as any input: its counts size loops and allocations.
        do { try settings.validate() } catch let AttackError.invalid(why) {
            throw AttackError.invalid("\(path): \(why)")
        }
        return settings
    }

    public func write(to folder: RunFolder) throws { try folder.write(try fileData(), to: Self.fileName) }

    public static func read(in folder: RunFolder) throws -> SweepSettings {
        guard let data = folder.read(fileName) else {
            throw AttackError.invalid("\(folder.file(fileName).path): not found (is this a robustness run folder?)")
        }
        return try decode(data, path: folder.file(fileName).path)
    }
}
