import Foundation

/// A JSON document as a tree, so one value can be read by its key path
/// (`after.top.0.probability`: object keys and array indices, dot-separated).
public indirect enum JSONValue: Decodable, Equatable, Sendable {
    case object([String: JSONValue])
    case array([JSONValue])
    case number(Double)
    case string(String)
    case bool(Bool)
    case null

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public static func parse(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }

    /// The value at `path`, or nil when a key or index along it is missing.
    public func at(_ path: String) -> JSONValue? {
        var node = self
        for component in path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            switch node {
            case let .object(members):
                guard let next = members[component] else { return nil }
                node = next
            case let .array(items):
                guard let i = Int(component), items.indices.contains(i) else { return nil }
                node = items[i]
            default:
                return nil
            }
        }
        return node
    }
}
