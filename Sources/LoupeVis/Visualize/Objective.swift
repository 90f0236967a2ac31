import Foundation
import LoupeNN
import LoupeTensor

/// What gradient ascent maximizes. Every objective is evaluated per batch item, so one
/// run can visualize a different unit in each item (channels 0–15 at once).
public indirect enum Objective: Equatable, CustomStringConvertible {
    /// Mean of one channel's activation map.
    case channel(layer: String, channel: Int)
    /// One unit: the center of the map unless x, y are given.
    case neuron(layer: String, channel: Int, x: Int?, y: Int?)
    /// mean(a²) over a whole layer (DeepDream).
    case deepdream(layer: String)
    /// The pre-softmax logit of a class.
    case classLogit(Int)
    /// The softmax probability of a class.
    case classProbability(Int)
    /// Mean over positions of the dot product of the activation vector with `vector`.
    case direction(layer: String, vector: [Float])
    case weighted(Float, Objective)
    case sum([Objective])

    public var description: String {
        switch self {
        case let .channel(l, c): return "\(l):\(c)"
        case let .neuron(l, c, x, y): return "neuron:\(l):\(c)" + (x.map { ":\($0):\(y ?? 0)" } ?? "")
        case let .deepdream(l): return "deepdream:\(l)"
        case let .classLogit(i): return "class:\(i)"
        case let .classProbability(i): return "prob:\(i)"
        case let .direction(l, v): return "direction:\(l):[\(v.count)]"
        case let .weighted(w, o): return w == -1 ? "-\(o)" : "\(w)*\(o)"
        case let .sum(terms): return terms.map(\.description).joined(separator: " + ")
        }
    }

    /// Layers the objective reads.
    public var layers: Set<String> {
        switch self {
        case let .channel(l, _), let .neuron(l, _, _, _), let .deepdream(l), let .direction(l, _): return [l]
        case .classLogit, .classProbability: return []
        case let .weighted(_, o): return o.layers
        case let .sum(terms): return terms.reduce(into: Set<String>()) { $0.formUnion($1.layers) }
        }
    }

    /// Whether the full forward pass (to the logits) is needed.
    public var needsLogits: Bool {
        switch self {
        case .classLogit, .classProbability: return true
        case .channel, .neuron, .deepdream, .direction: return false
        case let .weighted(_, o): return o.needsLogits
        case let .sum(terms): return terms.contains(where: \.needsLogits)
        }
    }

    /// The class an objective is about, for reporting class probabilities.
    public var targetClass: Int? {
        switch self {
        case let .classLogit(i), let .classProbability(i): return i
        case let .weighted(w, o): return w > 0 ? o.targetClass : nil
        default: return nil
        }
    }

    /// The objective's value on batch item `item` (a scalar on the tape).
    public func value(_ pass: Model.Pass, item: Int) throws -> Tensor {
        func activation(_ layer: String) throws -> Tensor {
            guard let a = pass[layer] else { throw VisError.invalid("layer \(layer) was not recorded") }
            return try a.narrowed(axis: 0, start: item, length: 1)
        }
        func logits() throws -> Tensor {
            guard let out = pass.output else { throw VisError.invalid("the pass stopped before the logits") }
            return try out.narrowed(axis: 0, start: item, length: 1)
        }
        switch self {
        case let .channel(layer, c):
            let a = try activation(layer)
            try Self.check(channel: c, in: a, layer: layer)
            return try a.narrowed(axis: 1, start: c, length: 1).mean()
        case let .neuron(layer, c, x, y):
            let a = try activation(layer)
            try Self.check(channel: c, in: a, layer: layer)
            guard a.rank == 4 else {
                return try a.narrowed(axis: 1, start: c, length: 1).sum()
            }
            let (h, w) = (a.shape[2], a.shape[3])
            let (px, py) = (x ?? w / 2, y ?? h / 2)
            guard px >= 0, px < w, py >= 0, py < h else {
                throw VisError.invalid("neuron position (\(px), \(py)) is outside the \(w)×\(h) map of \(layer)")
            }
            return try a.narrowed(axis: 1, start: c, length: 1).narrowed(axis: 2, start: py, length: 1)
                .narrowed(axis: 3, start: px, length: 1).sum()
        case let .deepdream(layer):
            let a = try activation(layer)
            return try (a * a).mean()
        case let .classLogit(i):
            return try logits().narrowed(axis: 1, start: i, length: 1).sum()
        case let .classProbability(i):
            return try logits().softmax(axis: 1).narrowed(axis: 1, start: i, length: 1).sum()
        case let .direction(layer, vector):
            let a = try activation(layer)
            guard a.shape.count >= 2, a.shape[1] == vector.count else {
                throw VisError.invalid("direction has \(vector.count) values but \(layer) has \(a.shape.count > 1 ? a.shape[1] : 0) channels")
            }
            var vshape = [Int](repeating: 1, count: a.rank)
            vshape[1] = vector.count
            let v = try Tensor(shape: vshape, scalars: vector)
            return try (a * v).sum(axes: [1]).mean()
        case let .weighted(w, o):
            return try o.value(pass, item: item) * w
        case let .sum(terms):
            var total = try terms[0].value(pass, item: item)
            for t in terms.dropFirst() { total = try total + t.value(pass, item: item) }
            return total
        }
    }

    static func check(channel c: Int, in a: Tensor, layer: String) throws {
        guard a.rank >= 2, c >= 0, c < a.shape[1] else {
            throw VisError.invalid("channel \(c) is outside the \(a.rank >= 2 ? a.shape[1] : 0) channels of \(layer)")
        }
    }

    /// The same objective aimed at another channel (for `--channels 0-15`).
    public func withChannel(_ c: Int) -> Objective {
        switch self {
        case let .channel(l, _): return .channel(layer: l, channel: c)
        case let .neuron(l, _, x, y): return .neuron(layer: l, channel: c, x: x, y: y)
        case let .weighted(w, o): return .weighted(w, o.withChannel(c))
        default: return self
        }
    }

    /// Parses the CLI's objective syntax against a model (layer and class names are
    /// checked here, with suggestions):
    /// `blocks.8:12`, `neuron:blocks.8:12[:x:y]`, `deepdream:blocks.8`, `class:388`,
    /// `class:giant panda`, `prob:388`, `direction:blocks.8:0.1,0.3,…`, and sums of
    /// weighted terms such as `blocks.8:12 - 0.5*blocks.8:3`.
    public static func parse(_ text: String, model: Model) throws -> Objective {
        let terms = splitTerms(text)
        guard !terms.isEmpty else { throw VisError.invalid("empty objective") }
        let parsed = try terms.map { (sign, term) -> Objective in
            var weight = sign
            var body = term
            if let star = term.firstIndex(of: "*"), let w = Float(term[..<star].trimmingCharacters(in: .whitespaces)) {
                weight *= w
                body = String(term[term.index(after: star)...]).trimmingCharacters(in: .whitespaces)
            }
            let o = try parseTerm(body, model: model)
            return weight == 1 ? o : .weighted(weight, o)
        }
        return parsed.count == 1 ? parsed[0] : .sum(parsed)
    }

    static func splitTerms(_ text: String) -> [(Float, String)] {
        var terms: [(Float, String)] = []
        var sign: Float = 1
        var rest = text.trimmingCharacters(in: .whitespaces)
        if rest.hasPrefix("-") { sign = -1; rest.removeFirst() }
        while true {
            let plus = rest.range(of: " + "), minus = rest.range(of: " - ")
            let next = [plus, minus].compactMap { $0 }.min { $0.lowerBound < $1.lowerBound }
            guard let next else {
                terms.append((sign, rest.trimmingCharacters(in: .whitespaces)))
                return terms.filter { !$0.1.isEmpty }
            }
            terms.append((sign, String(rest[..<next.lowerBound]).trimmingCharacters(in: .whitespaces)))
            sign = next == minus ? -1 : 1
            rest = String(rest[next.upperBound...])
        }
    }

    static func parseTerm(_ term: String, model: Model) throws -> Objective {
        let parts = term.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func int(_ s: String, _ what: String) throws -> Int {
            guard let v = Int(s.trimmingCharacters(in: .whitespaces)) else { throw VisError.invalid("\(what) '\(s)' in '\(term)' is not a number") }
            return v
        }
        switch parts[0].lowercased() {
        case "class", "logit":
            guard parts.count >= 2 else { throw VisError.invalid("'\(term)': write class:INDEX or class:NAME") }
            return .classLogit(try model.preset.classIndex(parts[1...].joined(separator: ":")))
        case "prob", "probability":
            guard parts.count >= 2 else { throw VisError.invalid("'\(term)': write prob:INDEX or prob:NAME") }
            return .classProbability(try model.preset.classIndex(parts[1...].joined(separator: ":")))
        case "neuron":
            guard parts.count == 3 || parts.count == 5 else { throw VisError.invalid("'\(term)': write neuron:LAYER:CHANNEL[:X:Y]") }
            return .neuron(layer: try model.resolveLayer(parts[1]), channel: try int(parts[2], "channel"),
                           x: parts.count == 5 ? try int(parts[3], "x") : nil, y: parts.count == 5 ? try int(parts[4], "y") : nil)
        case "deepdream", "layer":
            guard parts.count == 2 else { throw VisError.invalid("'\(term)': write deepdream:LAYER") }
            return .deepdream(layer: try model.resolveLayer(parts[1]))
        case "direction":
            guard parts.count == 3 else { throw VisError.invalid("'\(term)': write direction:LAYER:v0,v1,…") }
            let values = try parts[2].split(separator: ",").map { s -> Float in
                guard let v = Float(s.trimmingCharacters(in: .whitespaces)) else { throw VisError.invalid("'\(s)' in '\(term)' is not a number") }
                return v
            }
            return .direction(layer: try model.resolveLayer(parts[1]), vector: values)
        default:
            guard parts.count <= 2 else {
                throw VisError.invalid("cannot read objective '\(term)'; forms: LAYER:CHANNEL, neuron:LAYER:C, deepdream:LAYER, class:NAME, prob:NAME")
            }
            return .channel(layer: try model.resolveLayer(parts[0]), channel: parts.count == 2 ? try int(parts[1], "channel") : 0)
        }
    }
}

public enum VisError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    public var description: String {
        switch self { case let .invalid(why): return why }
    }
}
