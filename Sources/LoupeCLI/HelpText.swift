/// A command's discussion with each prose paragraph on one line, so swift-argument-parser
/// wraps it to the terminal's width instead of breaking our own line breaks a second time
/// (which left one- and two-word lines in an 80-column terminal). Indented lines (examples,
/// lists) and blank lines are kept as written.
package func helpText(_ text: String) -> String {
    var lines: [String] = []
    var joinable = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
        let prose = !line.isEmpty && !line.hasPrefix(" ") && !line.hasPrefix("- ")
        // A short line ending in ":" ("Examples:") is a heading, never a continuation.
        let heading = line.hasSuffix(":") && line.split(separator: " ").count <= 3
        if prose, joinable, !heading, let last = lines.popLast() {
            lines.append(last + " " + line)
        } else {
            lines.append(line)
        }
        joinable = (prose || line.hasPrefix("- ")) && !heading
    }
    return lines.joined(separator: "\n")
}
