import Foundation
import LoupeTensor
import Yams

/// A plain CNN described in YAML, so users can bring a model trained anywhere without
/// writing code. Layers become an `nn.Sequential`, keyed "0", "1", … exactly as PyTorch
/// numbers them, so `torch.save(nn.Sequential(...).state_dict())` loads unchanged:
///
/// ```yaml
/// name: my-fashion-cnn
/// input: {channels: 1, size: 28}
/// normalization: {mean: [0.5], std: [0.5]}     # optional; default none; [0, 1] units
/// classes: fashion-mnist                        # or imagenet, or a list of names
/// layers:
///   - conv: {out: 32, kernel: 3, padding: 1}    # stride, dilation, groups, bias optional
///   - batchnorm                                 # eps, momentum optional
///   - relu                                      # also relu6
///   - maxpool: {kernel: 2}                      # stride, padding optional
///   - avgpool: {kernel: 2}
///   - flatten
///   - dropout: {p: 0.5}
///   - linear: {out: 10}                         # bias optional
/// ```
/// Channel and feature counts are inferred by running shapes through the layers. The
/// normalization is (x − mean) / std on pixels x in [0, 1], torchvision's convention, so
/// ImageNet's is {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}; LoupeData's
/// `Normalization` states the same thing in 0–255 units (mean 123.7, std 58.4).
public struct SequentialSpec {
    public var name: String
    public var preset: Preset
    public var layers: [Layer]

    public enum Layer: Equatable {
        case conv(out: Int, kernel: Int, stride: Int, padding: Int, dilation: Int, groups: Int, bias: Bool)
        case batchnorm(eps: Float, momentum: Float)
        case relu, relu6, flatten
        case maxpool(kernel: Int, stride: Int, padding: Int)
        case avgpool(kernel: Int, stride: Int, padding: Int)
        case dropout(p: Float)
        case linear(out: Int, bias: Bool)
    }

    static let topKeys = ["name", "input", "normalization", "classes", "layers"]
    static let layerKeys: [String: [String]] = [
        "conv": ["out", "kernel", "stride", "padding", "dilation", "groups", "bias"],
        "batchnorm": ["eps", "momentum"], "relu": [], "relu6": [], "flatten": [],
        "maxpool": ["kernel", "stride", "padding"], "avgpool": ["kernel", "stride", "padding"],
        "dropout": ["p"], "linear": ["out", "bias"],
    ]

    public init(name: String, preset: Preset, layers: [Layer]) {
        (self.name, self.preset, self.layers) = (name, preset, layers)
    }

    /// Parses a spec file; errors name the file, the line and the valid keys.
    public static func load(path: String, limits: ResourceLimits = .default) throws -> SequentialSpec {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SpecError(file: path, line: nil, "cannot read the file")
        }
        return try parse(text, file: path, limits: limits)
    }

    /// Parses spec text. Every size is bounded: lengths (kernel, stride, padding,
    /// dilation, input size) by `limits.maxImageSide`, counts (channels, out, groups) by
    /// `limits.maxTensorElements`; `build` then checks the tensors they imply.
    public static func parse(_ text: String, file: String = "<spec>",
                             limits: ResourceLimits = .default) throws -> SequentialSpec {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw SpecError(file: file, line: nil, "the file is empty") }
            root = node
        } catch let e as SpecError {
            throw e
        } catch {
            throw SpecError(file: file, line: nil, "is not valid YAML: \(error)")
        }
        let reader = SpecReader(file: file, maxLength: limits.maxImageSide, maxCount: limits.maxTensorElements)
        let top = try reader.mapping(root, keys: topKeys, what: "spec")
        let name = try top["name"].map { try reader.string($0) } ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        guard let inputNode = top["input"] else { throw SpecError(file: file, line: reader.line(root), "missing key 'input'") }
        let input = try reader.mapping(inputNode, keys: ["channels", "size"], what: "input")
        guard let c = input["channels"], let s = input["size"] else {
            throw SpecError(file: file, line: reader.line(inputNode), "'input' needs 'channels' and 'size'")
        }
        let channels = try reader.int(c, min: 1, max: reader.maxCount), size = try reader.int(s, min: 1, max: reader.maxLength)
        guard let pixels = CheckedSize.product([channels, size, size]), pixels <= limits.maxTensorElements else {
            throw SpecError(file: file, line: reader.line(inputNode), "an input of \(channels)×\(size)×\(size) is more than "
                + "the \(limits.maxTensorElements) elements a tensor may have")
        }
        var mean = [Float](repeating: 0, count: channels), std = [Float](repeating: 1, count: channels)
        if let normNode = top["normalization"] {
            let norm = try reader.mapping(normNode, keys: ["mean", "std"], what: "normalization")
            if let m = norm["mean"] { mean = try reader.floats(m, count: channels) }
            if let sd = norm["std"] { std = try reader.floats(sd, count: channels) }
            if let bad = std.firstIndex(where: { $0 <= 0 }) {
                throw SpecError(file: file, line: reader.line(normNode), "std[\(bad)] must be positive")
            }
        }
        var labels: [String] = []
        if let classes = top["classes"] {
            if let scalar = classes.scalar?.string {
                switch scalar {
                case "imagenet": labels = imageNetLabels
                case "fashion-mnist": labels = Preset.fashionMNIST.labels
                default: throw SpecError(file: file, line: reader.line(classes),
                                         "classes must be 'imagenet', 'fashion-mnist' or a list of names")
                }
            } else {
                guard let seq = classes.sequence else {
                    throw SpecError(file: file, line: reader.line(classes), "classes must be a name or a list")
                }
                labels = try seq.map { try reader.string($0) }
            }
        }
        guard let layersNode = top["layers"], let seq = layersNode.sequence, !seq.isEmpty else {
            throw SpecError(file: file, line: reader.line(root), "'layers' must be a non-empty list")
        }
        let layers = try seq.map { try reader.layer($0) }
        return SequentialSpec(
            name: name, preset: Preset(inputSize: size, channels: channels, mean: mean, std: std, labels: labels),
            layers: layers)
    }

    /// Builds the network, inferring channel and feature counts from the input shape.
    /// Shapes are inferred by arithmetic, not by running the layers, and every weight and
    /// activation is held to `limits.maxTensorElements` before anything is allocated: a
    /// spec is a few lines of text that can describe a network of any size.
    public func build(seed: UInt64 = 0, limits: ResourceLimits = .default) throws -> Model {
        var shape = [1, preset.channels, preset.inputSize, preset.inputSize]
        try checkSize(shape, "the input", limits: limits)
        var modules: [Module] = []
        for (i, layer) in layers.enumerated() {
            let stream = RandomStream(seed: seed, key: [UInt64(i)])
            func cannotTake(_ why: Any) -> ModelError { .invalid("layer \(i) (\(layer)) cannot take input \(shape): \(why)") }
            let module: Module, next: [Int]
            do {
                switch layer {
                case let .conv(out, kernel, stride, padding, dilation, groups, bias):
                    guard shape.count == 4 else { throw ModelError.invalid("layer \(i): conv needs a 4-D input, got \(shape)") }
                    guard shape[1] % groups == 0, out % groups == 0 else {
                        throw cannotTake("\(shape[1]) input and \(out) output channels must both divide into \(groups) groups")
                    }
                    try checkSize([out, shape[1] / groups, kernel, kernel], "layer \(i)'s weight", limits: limits)
                    let side = { try Tensor.conv2dOutputSize(input: $0, padding: (padding, padding), kernel: kernel,
                                                             stride: stride, dilation: dilation) }
                    next = [shape[0], out, try side(shape[2]), try side(shape[3])]
                    guard next[2] > 0, next[3] > 0 else {
                        throw cannotTake("kernel \(kernel) with dilation \(dilation) is wider than the padded input")
                    }
                    try checkSize(next, "layer \(i)'s output", limits: limits)
                    module = try Conv2d(shape[1], out, kernel: kernel, stride: stride, padding: .fixed(padding),
                                        dilation: dilation, groups: groups, bias: bias, initStream: stream)
                case let .batchnorm(eps, momentum):
                    (module, next) = (try BatchNorm2d(shape[1], eps: eps, momentum: momentum), shape)
                case .relu: (module, next) = (ReLU(), shape)
                case .relu6: (module, next) = (ReLU6(), shape)
                case .dropout(let p): (module, next) = (try Dropout(p: p), shape)
                case .flatten:
                    guard let features = CheckedSize.product(shape.dropFirst()) else { throw cannotTake("too many features") }
                    (module, next) = (Flatten(), [shape[0], features])
                case let .maxpool(kernel, stride, padding), let .avgpool(kernel, stride, padding):
                    guard shape.count == 4 else { throw cannotTake("pooling needs a 4-D input") }
                    let side = { try Tensor.pool2dOutputSize(input: $0, kernel: kernel, stride: stride, padding: padding) }
                    next = [shape[0], shape[1], try side(shape[2]), try side(shape[3])]
                    if case .maxpool = layer {
                        module = MaxPool2d(kernel: kernel, stride: stride, padding: padding)
                    } else {
                        module = AvgPool2d(kernel: kernel, stride: stride, padding: padding)
                    }
                case let .linear(out, bias):
                    guard shape.count == 2 else {
                        throw ModelError.invalid("layer \(i): linear needs a flat input, got \(shape): add 'flatten' before it")
                    }
                    try checkSize([out, shape[1]], "layer \(i)'s weight", limits: limits)
                    next = [shape[0], out]
                    module = try Linear(shape[1], out, bias: bias, initStream: stream)
                }
            } catch let error as ModelError {
                throw error
            } catch let error as LimitError {
                throw error
            } catch {
                throw cannotTake(error)
            }
            shape = next
            modules.append(module)
        }
        var preset = self.preset
        if preset.labels.isEmpty, shape.count == 2 { preset.labels = (0..<shape[1]).map { "class \($0)" } }
        return Model(name: name, network: Sequential(modules), preset: preset)
    }

    /// Throws unless a tensor of `shape` fits `limits.maxTensorElements`.
    func checkSize(_ shape: [Int], _ what: String, limits: ResourceLimits) throws {
        guard let count = CheckedSize.product(shape), count <= limits.maxTensorElements else {
            let count = CheckedSize.product(shape).map(String.init) ?? "more than \(Int.max)"
            throw LimitError("model '\(name)'", "\(what) would be \(shape): \(count) elements, more than the limit of \(limits.maxTensorElements)")
        }
    }
}

public struct SpecError: Error, CustomStringConvertible {
    public let file: String, line: Int?, message: String
    init(file: String, line: Int?, _ message: String) { (self.file, self.line, self.message) = (file, line, message) }
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Typed reads from a YAML node tree, with errors that point at the line.
struct SpecReader {
    let file: String
    /// Upper bounds for lengths (kernel, stride, padding, dilation) and counts (out, groups).
    let maxLength: Int, maxCount: Int

    func line(_ node: Node) -> Int? { node.mark.map { $0.line } }

    func fail(_ node: Node, _ message: String) -> SpecError { SpecError(file: file, line: line(node), message) }

    func mapping(_ node: Node, keys valid: [String], what: String) throws -> [String: Node] {
        guard let map = node.mapping else { throw fail(node, "\(what) must be a mapping") }
        var out: [String: Node] = [:]
        for (k, v) in map {
            guard let key = k.string, valid.contains(key) else {
                throw fail(k, "unknown key '\(k.string ?? "?")' in \(what); valid keys: \(valid.joined(separator: ", "))")
            }
            out[key] = v
        }
        return out
    }

    func string(_ node: Node) throws -> String {
        guard let s = node.scalar?.string else { throw fail(node, "expected a string") }
        return s
    }

    func int(_ node: Node, min: Int = 0, max: Int) throws -> Int {
        guard let s = node.scalar?.string, let v = Int(s), v >= min, v <= max else {
            throw fail(node, "expected an integer from \(min) to \(max)")
        }
        return v
    }

    func float(_ node: Node) throws -> Float {
        guard let s = node.scalar?.string, let v = Float(s), v.isFinite else { throw fail(node, "expected a number") }
        return v
    }

    func bool(_ node: Node) throws -> Bool {
        guard let s = node.scalar?.string, let v = Bool(s.lowercased()) else { throw fail(node, "expected true or false") }
        return v
    }

    func floats(_ node: Node, count: Int) throws -> [Float] {
        guard let seq = node.sequence, seq.count == count else { throw fail(node, "expected a list of \(count) numbers") }
        return try seq.map { try float($0) }
    }

    func layer(_ node: Node) throws -> SequentialSpec.Layer {
        let kind: String, options: [String: Node]
        if let s = node.scalar?.string {
            (kind, options) = (s, [:])
        } else if let map = node.mapping, map.count == 1, let (k, v) = map.first, let key = k.string {
            kind = key
            guard let valid = SequentialSpec.layerKeys[key] else { throw unknownLayer(k, key) }
            options = v.mapping == nil && v.scalar?.string == "" ? [:] : try mapping(v, keys: valid, what: "'\(key)'")
        } else {
            throw fail(node, "a layer is a name (relu) or a one-key mapping (conv: {...})")
        }
        guard SequentialSpec.layerKeys[kind] != nil else { throw unknownLayer(node, kind) }
        func int(_ key: String, _ fallback: Int?, min: Int = 0, max: Int? = nil) throws -> Int {
            if let n = options[key] { return try self.int(n, min: min, max: max ?? maxLength) }
            guard let fallback else { throw fail(node, "'\(kind)' needs '\(key)'") }
            return fallback
        }
        func flag(_ key: String) throws -> Bool { try options[key].map { try bool($0) } ?? true }
        switch kind {
        case "conv":
            return .conv(out: try int("out", nil, min: 1, max: maxCount), kernel: try int("kernel", nil, min: 1),
                         stride: try int("stride", 1, min: 1), padding: try int("padding", 0),
                         dilation: try int("dilation", 1, min: 1), groups: try int("groups", 1, min: 1, max: maxCount),
                         bias: try flag("bias"))
        case "batchnorm":
            return .batchnorm(eps: try options["eps"].map { try float($0) } ?? 1e-5,
                              momentum: try options["momentum"].map { try float($0) } ?? 0.1)
        case "relu": return .relu
        case "relu6": return .relu6
        case "flatten": return .flatten
        case "maxpool", "avgpool":
            let k = try int("kernel", nil, min: 1)
            let (s, p) = (try int("stride", k, min: 1), try int("padding", 0))
            return kind == "maxpool" ? .maxpool(kernel: k, stride: s, padding: p) : .avgpool(kernel: k, stride: s, padding: p)
        case "dropout":
            let p = try options["p"].map { try float($0) } ?? 0.5
            guard p >= 0 && p < 1 else { throw fail(node, "dropout p must be in [0, 1)") }
            return .dropout(p: p)
        default:
            return .linear(out: try int("out", nil, min: 1, max: maxCount), bias: try flag("bias"))
        }
    }

    func unknownLayer(_ node: Node, _ kind: String) -> SpecError {
        fail(node, "unknown layer '\(kind)'; valid layers: \(SequentialSpec.layerKeys.keys.sorted().joined(separator: ", "))")
    }
}
