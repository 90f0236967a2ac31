import Foundation

/// One command's output folder, the only writer of run folders. A staged folder (the
/// usual kind) is written into a hidden temporary folder beside the destination and
/// renamed into place by `finish`, so a crashed or interrupted run never leaves a
/// half-written report behind. A resumable folder (a robustness sweep, which must keep
/// what a killed run already did) is written in place, each file replaced atomically, so
/// it always holds whole files: the old version or the new one.
public final class RunFolder {
    /// Where the run will appear.
    public let url: URL
    /// Where files are written until `finish` (the folder itself when resumable).
    public let workURL: URL
    /// Written in place, file by file, rather than staged and renamed.
    public let isResumable: Bool
    /// Its files join those already in the destination instead of replacing the folder
    /// (a staged run is then moved in file by file; a resumable one is written in place).
    public let keepsOtherFiles: Bool
    private var finished = false

    /// `out` is the destination, or nil for `Outputs/<timestamp>-<command>`. A finished
    /// run replaces the destination folder, unless `besideOtherFiles`: then its files join
    /// those already there (a training report beside the checkpoint it describes).
    public init(command: String, out: String?, outputsRoot: String = "Outputs", besideOtherFiles: Bool = false) throws {
        let fm = FileManager.default
        url = RunFolder.destination(command: command, out: out, outputsRoot: outputsRoot)
        (isResumable, keepsOtherFiles) = (false, besideOtherFiles)
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

    /// A folder written in place that may already hold an earlier, interrupted run's
    /// files; it is created when missing.
    public init(resumable url: URL) throws {
        (self.url, workURL, isResumable, keepsOtherFiles) = (url, url, true, true)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw ReportError.io(url.path, "cannot create the run folder: \(error.localizedDescription)")
        }
    }

    /// A resumable folder at `out`, or a new one at `Outputs/<timestamp>-<command>`.
    public convenience init(resumableCommand command: String, out: String?, outputsRoot: String = "Outputs") throws {
        try self.init(resumable: RunFolder.destination(command: command, out: out, outputsRoot: outputsRoot))
    }

    static func destination(command: String, out: String?, outputsRoot: String) -> URL {
        if let out { return URL(fileURLWithPath: out) }
        return URL(fileURLWithPath: outputsRoot).appendingPathComponent("\(timestamp())-\(command)")
    }

    /// Path of `name` inside the (temporary) run folder.
    public func file(_ name: String) -> URL { workURL.appendingPathComponent(name) }

    /// Path `name` will have once the run is finished (what reports and JSON cite).
    public func finalPath(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `name` whole: atomically in a resumable folder, where a reader (or a later
    /// `--resume`) may look at any moment.
    public func write(_ data: Data, to name: String) throws {
        let target = file(name)
        try? FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if isResumable { return try AtomicFile.write(data, to: target) }
        do { try data.write(to: target) } catch { throw ReportError.io(target.path, error.localizedDescription) }
    }

    /// Appends to `name` (created if missing) and forces the bytes to disk, so a run killed
    /// right after loses nothing appended.
    public func append(_ data: Data, to name: String) throws {
        let target = file(name)
        let fm = FileManager.default
        if !fm.fileExists(atPath: target.path), !fm.createFile(atPath: target.path, contents: nil) {
            throw ReportError.io(target.path, "cannot create the file")
        }
        do {
            let handle = try FileHandle(forWritingTo: target)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
            try handle.synchronize()
        } catch {
            throw ReportError.io(target.path, "cannot append: \(error.localizedDescription)")
        }
    }

    /// Cuts `name` back to its first `length` bytes (a line a kill left half-written).
    public func truncate(_ name: String, to length: Int) throws {
        let target = file(name)
        do {
            let handle = try FileHandle(forWritingTo: target)
            defer { try? handle.close() }
            try handle.truncate(atOffset: UInt64(length))
            try handle.synchronize()
        } catch {
            throw ReportError.io(target.path, "cannot repair: \(error.localizedDescription)")
        }
    }

    /// The contents of `name`, or nil when there is no such file.
    public func read(_ name: String) -> Data? { FileManager.default.contents(atPath: file(name).path) }

    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

    public func remove(_ name: String) { try? FileManager.default.removeItem(at: file(name)) }

    public func write(_ text: String, to name: String) throws { try write(Data(text.utf8), to: name) }

    /// Writes a lab's result (`result.json` unless named otherwise).
    public func writeResult<T: Encodable>(_ value: T, to name: String = "result.json") throws {
        try write(try ResultJSON.encode(value), to: name)
    }

    /// Writes the run's card (`card.json`), its numbers read from the result already
    /// written (`result.json` unless named otherwise), so the two cannot disagree.
    public func writeCard(_ card: RunCard, result name: String = "result.json") throws {
        guard let result = read(name) else { throw ReportError.io(file(name).path, "a card needs its result written first") }
        var card = try card.resolved(against: result)
        if let picture = card.picture, !exists(picture) {
            throw ReportError.io(file(picture).path, "the card's picture was not written")
        }
        card.date = RunCard.now()
        try writeResult(card, to: RunCard.fileName)
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
        if isResumable {
            finished = true
            try? RunIndex.refresh(root: url.deletingLastPathComponent())
            return
        }
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if keepsOtherFiles, fm.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue {
            try moveFilesIntoPlace()
        } else {
            if fm.fileExists(atPath: url.path) { try? fm.removeItem(at: url) }
            do { try fm.moveItem(at: workURL, to: url) } catch {
                throw ReportError.io(url.path, "cannot move the finished run into place: \(error.localizedDescription)")
            }
        }
        finished = true
        try? RunIndex.refresh(root: url.deletingLastPathComponent())
    }

    /// Renames each staged file over its namesake in the destination, the page last, so
    /// the page never shows a picture that is not there yet.
    private func moveFilesIntoPlace() throws {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: workURL.path)) ?? []).sorted { ($0 == "index.html" ? 1 : 0, $0) < ($1 == "index.html" ? 1 : 0, $1) }
        for name in names {
            let target = url.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            if fm.fileExists(atPath: target.path, isDirectory: &isFolder), isFolder.boolValue { try? fm.removeItem(at: target) }
            guard rename(workURL.appendingPathComponent(name).path, target.path) == 0 else {
                throw ReportError.io(target.path, "cannot move into place: \(String(cString: strerror(errno)))")
            }
        }
        try? fm.removeItem(at: workURL)
    }

    /// Drops the temporary folder of a run that failed; a resumable folder keeps what it
    /// holds, for `--resume`.
    public func discard() {
        if !finished && !isResumable { try? FileManager.default.removeItem(at: workURL) }
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
    case invalid(String)
    public var description: String {
        switch self {
        case let .io(path, why): return "\(path): \(why)"
        case let .invalid(why): return why
        }
    }
}
