import Foundation

/// One command's output folder, written atomically: everything goes into a hidden
/// temporary folder beside the destination, which is renamed into place by `finish`,
/// so a crashed or interrupted run never leaves a half-written report behind.
public final class RunFolder {
    /// Where the run will appear.
    public let url: URL
    /// Where files are written until `finish`.
    public let workURL: URL
    private var finished = false

    /// `out` is the destination, or nil for `Outputs/<timestamp>-<command>`.
    public init(command: String, out: String?, outputsRoot: String = "Outputs") throws {
        let fm = FileManager.default
        if let out {
            url = URL(fileURLWithPath: out)
        } else {
            let stamp = RunFolder.timestamp()
            url = URL(fileURLWithPath: outputsRoot).appendingPathComponent("\(stamp)-\(command)")
        }
        let parent = url.deletingLastPathComponent()
        do {
            try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw ReportError.io(parent.path, "cannot create the folder: \(error.localizedDescription)")
        }
        workURL = parent.appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: workURL)
        do {
            try fm.createDirectory(at: workURL, withIntermediateDirectories: true)
        } catch {
            throw ReportError.io(workURL.path, "cannot create the run folder: \(error.localizedDescription)")
        }
    }

    /// Path of `name` inside the (temporary) run folder.
    public func file(_ name: String) -> URL { workURL.appendingPathComponent(name) }

    /// Path `name` will have once the run is finished (what reports and JSON cite).
    public func finalPath(_ name: String) -> String { url.appendingPathComponent(name).path }

    public func write(_ data: Data, to name: String) throws {
        let target = file(name)
        try? FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        do { try data.write(to: target) } catch { throw ReportError.io(target.path, error.localizedDescription) }
    }

    public func write(_ text: String, to name: String) throws { try write(Data(text.utf8), to: name) }

    /// Writes a lab's result (`result.json` unless named otherwise).
    public func writeResult<T: Encodable>(_ value: T, to name: String = "result.json") throws {
        try write(try ResultJSON.encode(value), to: name)
    }

    /// Writes a JSON object with stable key order.
    public func writeJSON(_ value: Any, to name: String = "result.json") throws {
        let data = try JSONSerialization.data(
            withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try write(data, to: name)
    }

    /// Moves the run into place (replacing an older run at the same path) and refreshes
    /// the index of all runs beside it.
    public func finish() throws {
        guard !finished else { return }
        let fm = FileManager.default
        if fm.fileExists(atPath: url.path) { try? fm.removeItem(at: url) }
        do { try fm.moveItem(at: workURL, to: url) } catch {
            throw ReportError.io(url.path, "cannot move the finished run into place: \(error.localizedDescription)")
        }
        finished = true
        try? RunIndex.refresh(root: url.deletingLastPathComponent())
    }

    /// Drops the temporary folder of a run that failed.
    public func discard() {
        if !finished { try? FileManager.default.removeItem(at: workURL) }
    }

    public static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }
}

public enum ReportError: Error, CustomStringConvertible {
    case io(String, String)
    public var description: String {
        switch self { case let .io(path, why): return "\(path): \(why)" }
    }
}
