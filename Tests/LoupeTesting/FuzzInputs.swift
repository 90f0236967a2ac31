import Foundation

/// The inputs kept for the fuzz targets in Fuzz/: seeds (Tests/Fuzz/corpus/<target>/) and
/// every input a fuzzer once crashed on (Tests/Fuzz/regressions/<target>/). Tests replay
/// them through the entry point each target drives, so a fixed crash stays fixed.
public enum FuzzInputs {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// Feeds every seed and regression of each target to its entry, which must return or
    /// throw an error of one line. Returns how many inputs ran and what went wrong.
    public static func replay(_ entries: [String: ([UInt8]) throws -> Void]) -> (replayed: Int, problems: [String]) {
        var replayed = 0, problems: [String] = []
        for folder in ["corpus", "regressions"] {
            for (target, entry) in entries.sorted(by: { $0.key < $1.key }) {
                let dir = root.appendingPathComponent(folder).appendingPathComponent(target)
                let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { !$0.hasPrefix(".") }
                // libFuzzer refuses to start without its seed folder, and a target without
                // seeds starts from nothing.
                if folder == "corpus" && names.isEmpty { problems.append("no seeds for \(target) in \(dir.path)") }
                for name in names.sorted() {
                    guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) else {
                        problems.append("\(target)/\(name): unreadable"); continue
                    }
                    do { try entry([UInt8](data)) } catch where "\(error)".contains("\n") {
                        problems.append("\(target)/\(name): a message of several lines: \(error)")
                    } catch {}
                    replayed += 1
                }
            }
        }
        return (replayed, problems)
    }
}
