import Foundation

/// Why a path a user named cannot be read as a file: it is missing, a directory, or not
/// a regular file (`/dev/zero`, a FIFO, a socket), which would read forever or block
/// rather than fail. Each loader maps the problem onto its own error type.
public enum InputFileProblem: Equatable, CustomStringConvertible {
    case missing
    case directory
    case notRegular(kind: String)

    public var description: String {
        switch self {
        case .missing: return "no such file"
        case .directory: return "it is a directory"
        case let .notRegular(kind): return "it is a \(kind), not a regular file"
        }
    }

    /// The problem with `path`, or nil for a regular file (symbolic links are followed).
    public static func check(_ path: String) -> InputFileProblem? {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return .directory
        case S_IFCHR: return .notRegular(kind: "character device")
        case S_IFBLK: return .notRegular(kind: "block device")
        case S_IFIFO: return .notRegular(kind: "pipe")
        case S_IFSOCK: return .notRegular(kind: "socket")
        default: return .notRegular(kind: "special file")
        }
    }
}
