import Foundation

/// A progress bar on stderr with rate and ETA. On a terminal it redraws one line;
/// otherwise (CI, pipes, logs) it prints a plain line about every 10% or 30 seconds.
final class ProgressBar {
    let title: String
    let total: Int
    let quiet: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastPlainPercent = -1
    private let terminal = isatty(STDERR_FILENO) == 1

    init(_ title: String, total: Int, quiet: Bool = false) {
        (self.title, self.total, self.quiet) = (title, max(total, 1), quiet)
    }

    /// Reports `done` of `total` units, with an optional status such as "loss 0.31".
    func update(_ done: Int, status: String = "") {
        guard !quiet else { return }
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let fraction = min(Double(done) / Double(total), 1)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let tail = "\(done)/\(total) \(status) \(Self.clock(elapsed)) elapsed, ETA \(Self.clock(eta))"
        if terminal {
            guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = now
            let width = 24, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(title) \(bar) \(Int(fraction * 100))% \(tail)".utf8))
            if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            let percent = Int(fraction * 100)
            guard percent / 10 > lastPlainPercent / 10 || now.timeIntervalSince(lastDraw) > 30 || done >= total else { return }
            guard percent != lastPlainPercent || done >= total && lastPlainPercent != 100 else { return }
            lastPlainPercent = percent
            lastDraw = now
            FileHandle.standardError.write(Data("\(title): \(percent)% \(tail)\n".utf8))
        }
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Prints a status line to stderr unless quiet (stdout stays clean for --json). What
/// stdout holds so far goes out first, so a pipe that joins both keeps their order.
func note(_ message: String, quiet: Bool = false) {
    guard !quiet else { return }
    fflush(stdout)
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
