/// What `loupe evaluate` measures: accuracy on a data set, optionally with every image
/// attacked first.
public struct EvaluateSettings: Codable, Sendable, Equatable {
    /// The attack each image goes through before it is classified.
    public struct Attack: Codable, Sendable, Equatable {
        public var method: AttackConfig.Method
        public var norm: AttackConfig.Norm = .linf
        public var eps: Float = 0.1
        public var alpha: Float?
        /// Default 20, or the method's own when larger (APGD's 100, as AutoAttack runs it).
        public var steps: Int?
        /// The loss of the methods that take one (APGD-T, Square and CW keep their own).
        public var loss = AttackConfig.Loss.ce
        public var restarts = 1
        public var seed: UInt64 = 0
        /// Square's query budget (default 5,000) and the classes APGD-T and FAB-T aim at (9).
        public var queries: Int?
        public var targetClasses: Int?

        public init(method: AttackConfig.Method) { self.method = method }

        public var config: AttackConfig {
            var c = AttackConfig(method: method, norm: norm, eps: eps, alpha: alpha, steps: steps ?? max(method.defaultSteps, 20))
            (c.restarts, c.seed) = (restarts, seed)
            if method.fixedLoss == nil { c.loss = loss }
            if let queries { c.queries = queries }
            if let targetClasses { c.targetClasses = targetClasses }
            return c
        }
    }

    /// `--data`: fashion-mnist, an IDX folder or an image folder; its test split unless named.
    public var data = "fashion-mnist"
    public var limit: Int?
    public var batchSize = 256
    public var attack: Attack?

    public init() {}

    public func validate() throws {
        if let limit, limit < 1 { throw AttackError.invalid("limit must be at least 1, got \(limit)") }
        guard batchSize >= 1 else { throw AttackError.invalid("batch size must be at least 1, got \(batchSize)") }
        guard let attack else { return }
        if attack.method == .cw {
            let usable = AttackConfig.Method.allCases.filter { $0 != .cw }.map(\.rawValue).joined(separator: ", ")
            throw AttackError.invalid("evaluate attacks within an ε-ball; cw minimizes the distance instead: choose from \(usable)")
        }
        try attack.config.validate()
    }
}
