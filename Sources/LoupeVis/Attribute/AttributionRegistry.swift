/// The attribution methods a run can name, in the order `all` runs them. The CLI's
/// choice list, `all` and the help text come from here, so a new method is one file
/// and one line below.
public struct AttributionRegistry: Sendable {
    public private(set) var methods: [any AttributionMethod] = []

    public static let standard = AttributionRegistry()
        .adding(Saliency())
        .adding(GradientTimesInput())
        .adding(SmoothGrad())
        .adding(IntegratedGradients())
        .adding(GradCAM(plusPlus: false))
        .adding(GradCAM(plusPlus: true))
        .adding(CAM())
        .adding(HiResCAM())
        .adding(LayerCAM())
        .adding(ScoreCAM())
        .adding(AblationCAM())
        .adding(EigenCAM())
        .adding(Occlusion())
        .adding(LIME())
        .adding(KernelSHAP())
        .adding(RISE())
        .adding(RuleGradient(rule: .guided))
        .adding(RuleGradient(rule: .deconvnet))

    public init() {}

    /// This registry with `method` appended; a name already taken keeps its first method.
    public func adding(_ method: any AttributionMethod) -> AttributionRegistry {
        var copy = self
        if self.method(named: method.name) == nil { copy.methods.append(method) }
        return copy
    }

    public var names: [String] { methods.map(\.name) }

    public func method(named name: String) -> (any AttributionMethod)? {
        let wanted = name.trimmingCharacters(in: .whitespaces).lowercased()
        return methods.first { $0.name == wanted }
    }

    /// "saliency,ig,gradcam" or "all", as methods in the order given.
    public func parse(_ list: String) throws -> [any AttributionMethod] {
        if list.trimmingCharacters(in: .whitespaces).lowercased() == "all" { return methods }
        let parts = list.split(separator: ",")
        guard !parts.isEmpty else { throw VisError.invalid("--method needs at least one method: \(choices)") }
        return try parts.map { part in
            guard let m = method(named: String(part)) else {
                throw VisError.invalid("unknown method '\(part.trimmingCharacters(in: .whitespaces))': use \(choices)")
            }
            return m
        }
    }

    /// The valid spellings, for messages.
    public var choices: String { names.joined(separator: ", ") + " or all" }
}
