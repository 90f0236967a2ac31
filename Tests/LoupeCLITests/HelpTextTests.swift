@testable import LoupeCLI
import XCTest

final class HelpTextTests: XCTestCase {
    func testProseParagraphsBecomeOneLineAndExamplesStay() {
        let text = """
        Data: fashion-mnist, a folder of IDX files
        (MNIST), or an image folder.
        - a list item that runs
        on to a second line
        Examples:
          loupe train --arch fashion-cnn
          loupe train --resume x.safetensors

        Next paragraph.
        """
        XCTAssertEqual(helpText(text), """
        Data: fashion-mnist, a folder of IDX files (MNIST), or an image folder.
        - a list item that runs on to a second line
        Examples:
          loupe train --arch fashion-cnn
          loupe train --resume x.safetensors

        Next paragraph.
        """)
    }

    /// In an 80-column terminal no prose line of any command's help stops after a word or
    /// two in mid-paragraph (what hard-wrapped source lines produced), and no example
    /// wraps (an example line must start indented).
    func testHelpWrapsCleanlyIn80Columns() throws {
        let commands = ["classify", "layers", "visualize", "deconv", "attribute", "exemplars", "embed", "probe", "concept", "attack", "robustness",
                        "merge", "train", "evaluate", "run", "bench"]
        for command in commands {
            let r = try LoupeBinary.run([command, "--help"], environment: ["COLUMNS": "80"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let top = r.stdout.components(separatedBy: "USAGE:").first ?? ""
            let sections = top.components(separatedBy: "Examples:")
            let lines = (sections.first ?? "").components(separatedBy: "\n")
            for (line, next) in zip(lines, lines.dropFirst()) where !line.isEmpty && !line.hasPrefix(" ") && !next.isEmpty
                && !next.hasPrefix(" ") && line.split(separator: " ").count <= 2 {
                XCTFail("loupe \(command) --help: '\(line)' stranded before '\(next)'")
            }
            for line in sections.dropFirst().joined().components(separatedBy: "\n") where !line.isEmpty {
                XCTAssert(line.hasPrefix("  "), "loupe \(command) --help: an example wrapped at '\(line)'")
            }
        }
    }
}
