import Foundation

/// Writes a file by writing a temporary sibling and renaming it over the target, so a
/// reader sees the old file or the new one, never half of one.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: tmp)
            // rename(2) replaces the target atomically on one file system.
            guard rename(tmp.path, url.path) == 0 else { throw ReportError.io(url.path, String(cString: strerror(errno))) }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw ReportError.io(url.path, "cannot write: \(error)")
        }
    }
}
