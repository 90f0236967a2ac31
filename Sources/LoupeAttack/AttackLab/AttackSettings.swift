/// What `loupe attack` does to one image: the attack, its budget and what it aims for.
/// Left nil, norm, step size, steps and loss come from the method (AttackConfig).
public struct AttackSettings: Codable, Sendable, Equatable {
    public var method: AttackConfig.Method = .pgd
    public var norm: AttackConfig.Norm?
    /// Budget in pixel units (cw: 0 means an unbounded L2 distance).
    public var eps: Float = 2 / 255
    public var alpha: Float?
    public var steps: Int?
    public var restarts = 1
    public var loss: AttackConfig.Loss?
    /// Stop at the first step that succeeds; running every step instead raises confidence.
    public var earlyStop = false
    public var seed: UInt64 = 0
    /// Square's query budget (default 5,000) and the classes APGD-T and FAB-T aim at (9).
    public var queries: Int?
    public var targetClasses: Int?
    /// Targeted attack toward this class (index or name).
    public var target: String?
    /// True class for an untargeted attack (default: the model's top-1 on the image).
    public var label: String?

    public init() {}

    /// The attack as it runs, defaults filled in.
    public var config: AttackConfig {
        var c = AttackConfig(method: method, norm: norm ?? .linf, eps: eps, alpha: alpha, steps: steps)
        c.restarts = restarts
        c.seed = seed
        c.earlyStop = earlyStop
        if let loss { c.loss = loss }
        if let queries { c.queries = queries }
        if let targetClasses { c.targetClasses = targetClasses }
        return c
    }

    public func validate() throws {
        if let loss, method == .cw, loss != .margin { throw AttackError.invalid("cw always uses its margin loss: drop the loss") }
        try config.validate()
    }
}
