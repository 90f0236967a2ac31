import Foundation
import LoupeReport

/// Prints a JSON value on one line to stdout (for `--json`); key order is stable.
package func printJSON(_ value: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

/// Prints a lab's result on one line to stdout (for `--json`).
func printJSON<T: Encodable>(_ value: T) throws {
    print(try ResultJSON.line(value))
}
