import Foundation

/// How every lab's `Result` becomes `result.json` (and `--json` output): keys sorted so
/// runs diff cleanly, slashes left alone so paths read as paths.
public enum ResultJSON {
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }

    /// One line of JSON, for `--json` on stdout.
    public static func line<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value, pretty: false), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}

/// An optional that is written as `null` when absent instead of being left out, for
/// result keys that scripts read unconditionally (`"target": null`).
@propertyWrapper
public struct EncodedNull<Value: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

extension EncodedNull: Equatable where Value: Equatable {}

extension KeyedDecodingContainer {
    /// A missing key decodes as nil, as a missing optional does.
    public func decode<V>(_ type: EncodedNull<V>.Type, forKey key: Key) throws -> EncodedNull<V> {
        try decodeIfPresent(type, forKey: key) ?? EncodedNull(wrappedValue: nil)
    }
}

/// A value stored in JSON as the text a user types for it (a schedule `cosine:0`, a
/// baseline `blur:8`), so result files read like the command line that made them.
public protocol CodableAsText: Codable, CustomStringConvertible {
    init(text: String) throws
}

extension CodableAsText {
    public init(from decoder: Decoder) throws {
        try self.init(text: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
