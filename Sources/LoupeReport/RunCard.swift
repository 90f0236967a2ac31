import Foundation

/// What one run found, at a glance: a title, the command, one picture and a few headline
/// numbers with a verdict. Every lab's report writes one as `card.json` beside its page
/// (`RunFolder.writeCard`); a recipe's page, the gallery of `Outputs/` and the table
/// `loupe run` ends with show them.
///
/// A number on a card names the key of `result.json` it shows and is read from that very
/// file when the card is written, so a card cannot disagree with its result.
public struct RunCard: Codable, Sendable, Equatable {
    /// One headline: a label and the values that make it ("before: tabby 54.2%").
    public struct Figure: Codable, Sendable, Equatable {
        public var label: String
        public var values: [Quantity]

        public init(_ label: String, _ values: Quantity...) { (self.label, self.values) = (label, values) }
        public init(_ label: String, values: [Quantity]) { (self.label, self.values) = (label, values) }

        /// The values as shown, each after its prefix.
        public var shown: String { values.map { $0.prefix + $0.shown }.joined(separator: " ") }
    }

    /// A value of result.json, where it is and how to show it.
    public struct Quantity: Codable, Sendable, Equatable {
        /// Key path in result.json: object keys and array indices, dot-separated.
        public var key: String
        public var format: Format
        /// Text shown before the value ("ε ", "→ ").
        public var prefix: String
        /// Read from result.json when the card is written.
        public var value: JSONValue.Scalar?

        public init(_ key: String, _ format: Format, prefix: String = "", value: JSONValue.Scalar? = nil) {
            (self.key, self.format, self.prefix, self.value) = (key, format, prefix, value)
        }

        public static func text(_ key: String, prefix: String = "") -> Quantity { Quantity(key, .text, prefix: prefix) }
        public static func percent(_ key: String, prefix: String = "") -> Quantity { Quantity(key, .percent, prefix: prefix) }
        public static func number(_ key: String, prefix: String = "") -> Quantity { Quantity(key, .number, prefix: prefix) }
        public static func budget(_ key: String, prefix: String = "") -> Quantity { Quantity(key, .budget, prefix: prefix) }
        public static func integer(_ key: String, prefix: String = "") -> Quantity { Quantity(key, .integer, prefix: prefix) }

        /// The value as the card shows it; "–" for null, "?" before it is read.
        public var shown: String {
            switch value {
            case let .number(v)?: return format.show(v)
            case let .text(s)?: return s
            case let .flag(b)?: return b ? "yes" : "no"
            case .null?: return "–"
            case nil: return "?"
            }
        }
    }

    /// How a number is shown.
    public enum Format: String, Codable, Sendable {
        /// As it is (a class name).
        case text
        /// A fraction as a percentage, one decimal: 0.5423 → 54.2%.
        case percent
        /// Three significant digits, without an exponent between 0.001 and 10⁶.
        case number
        /// A budget in pixel units and in 8-bit levels: 0.00784 → 0.00784 (2/255).
        case budget
        /// Rounded to a whole number.
        case integer

        public func show(_ v: Double) -> String {
            guard v.isFinite else { return "\(v)" }
            switch self {
            case .text, .number: return Self.significant(v)
            case .percent: return String(format: "%.1f%%", v * 100)
            case .budget: return Self.significant(v) + " (" + Self.significant(v * 255) + "/255)"
            case .integer: return String(format: "%.0f", v)
            }
        }

        static func significant(_ v: Double) -> String {
            let a = Swift.abs(v)
            if a == 0 { return "0" }
            if a >= 1e6 || a < 1e-3 { return String(format: "%.2e", v) }
            if a >= 100 { return String(format: "%.0f", v) }
            return String(format: "%.3g", v)
        }
    }

    /// Whether the run found what it set out to (an attack reached its target, a
    /// self-audit passed), in words.
    public struct Verdict: Codable, Sendable, Equatable {
        public var passed: Bool
        public var text: String

        public init(passed: Bool, _ text: String) { (self.passed, self.text) = (passed, text) }
    }

    public var title: String
    /// The command that made the run.
    public var command: String
    /// The headline picture, relative to the run folder.
    public var picture: String?
    public var figures: [Figure]
    public var verdict: Verdict?
    /// The run's full page, relative to the run folder.
    public var page = "index.html"
    /// When the card was written (ISO 8601, UTC, in milliseconds so runs made in the same
    /// second still sort).
    public var date: String?

    public init(title: String, command: String, picture: String?, figures: [Figure], verdict: Verdict? = nil) {
        (self.title, self.command, self.picture, self.figures, self.verdict) = (title, command, picture, figures, verdict)
    }

    /// The card with every value read from `result` (the run's result.json). A key the
    /// result does not have is an error: the card would show something the result does not say.
    public func resolved(against result: Data) throws -> RunCard {
        let tree = try JSONValue.parse(result)
        var card = self
        for f in card.figures.indices {
            for q in card.figures[f].values.indices {
                let key = card.figures[f].values[q].key
                guard let value = tree.at(key)?.scalar else {
                    throw ReportError.io("card.json", "figure '\(card.figures[f].label)' shows '\(key)', which result.json does not have as a value")
                }
                card.figures[f].values[q].value = value
            }
        }
        return card
    }

    /// The figures (the first `limit` of them) and the verdict on one line
    /// ("before tabby 54.2% · after gibbon 99.9% · ✔ target gibbon reached").
    public func headline(limit: Int = .max) -> String {
        (figures.prefix(limit).map { "\($0.label) \($0.shown)" } + (verdict.map { [($0.passed ? "✔ " : "✘ ") + $0.text] } ?? []))
            .joined(separator: " · ")
    }

    public static let fileName = "card.json"

    /// A card is a few hundred bytes; a larger file is not one (and is not read whole).
    static let maximumBytes = 1 << 20

    /// The card of the run at `folder`, if it has a readable one. A picture outside the
    /// folder (an absolute path, or one climbing out with `..`) is dropped: a page only
    /// shows what the run holds.
    public static func read(from folder: URL) -> RunCard? {
        let url = folder.appendingPathComponent(fileName)
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: maximumBytes + 1), data.count <= maximumBytes,
              var card = try? ResultJSON.decode(RunCard.self, from: data) else { return nil }
        if let picture = card.picture, picture.hasPrefix("/") || picture.split(separator: "/").contains("..") { card.picture = nil }
        return card
    }

    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    /// A model or data path short enough for a title: its folder and file name
    /// (`fashion-model/model.safetensors`); a name without a folder as it is.
    public static func shortName(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.count > 2 ? parts.suffix(2).joined(separator: "/") : path
    }

    /// `date` as a point in time, when it is one.
    public var written: Date? {
        guard let date else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: date) ?? ISO8601DateFormatter().date(from: date)
    }
}

extension JSONValue {
    /// One value a card can show.
    public enum Scalar: Codable, Sendable, Equatable {
        case number(Double)
        case text(String)
        case flag(Bool)
        case null

        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .flag(b) }
            else if let n = try? c.decode(Double.self) { self = .number(n) }
            else { self = .text(try c.decode(String.self)) }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case let .number(v): try c.encode(v)
            case let .text(s): try c.encode(s)
            case let .flag(b): try c.encode(b)
            case .null: try c.encodeNil()
            }
        }
    }

    /// The value as a card shows it; nil for an object or array.
    public var scalar: Scalar? {
        switch self {
        case let .number(v): return .number(v)
        case let .string(s): return .text(s)
        case let .bool(b): return .flag(b)
        case .null: return .null
        case .object, .array: return nil
        }
    }
}
