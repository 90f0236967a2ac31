import Dispatch
import Foundation

/// Turns the first Ctrl-C (SIGINT) or SIGTERM (a cluster scheduler preempting the job)
/// into a request to stop at the next safe point, where the command saves what it has;
/// a second signal ends the process at once.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false
    private var sources: [DispatchSourceSignal] = []

    init(message: String) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)  // delivered to the dispatch source instead
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in self?.received(sig, message: message) }
            source.resume()
            sources.append(source)
        }
    }

    var isRequested: Bool { lock.withLock { requested } }

    private func received(_ sig: Int32, message: String) {
        let again = lock.withLock { () -> Bool in
            defer { requested = true }
            return requested
        }
        if again { _exit(128 + sig) }
        FileHandle.standardError.write(Data(("\n" + message + " (press Ctrl-C again to quit at once)\n").utf8))
    }

    /// Restores the default handlers.
    func cancel() {
        for source in sources { source.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
