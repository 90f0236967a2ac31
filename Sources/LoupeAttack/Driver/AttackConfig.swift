import LoupeTensor

/// Which attack, its threat model and its budget. Pixels live in [0, 1]; the model
/// normalizes internally, so ε is always in pixel units (8/255 means 8 gray levels).
/// Defaults that depend on the attack come from its `Method` declaration.
public struct AttackConfig: Sendable {
    public enum Norm: String, CaseIterable, Codable, Sendable { case linf, l2 }
    public enum Loss: String, CaseIterable, Codable, Sendable {
        /// Cross-entropy: raised for the true class (untargeted), lowered for the target.
        case ce
        /// Carlini–Wagner margin on logits: best other class minus the class of interest.
        case margin
        /// Croce & Hein's difference of logits ratio: the margin divided by the spread of
        /// the top logits, so rescaling the logits (as gradient-masking defenses do) does
        /// not change it. Needs 3 classes (4 when targeted).
        case dlr
    }

    public var method: Method
    public var norm: Norm = .linf
    public var eps: Float
    public var alpha: Float?
    public var steps: Int
    public var restarts = 1
    public var loss = Loss.ce
    /// Stop updating a sample once it is misclassified (or hits its target).
    public var earlyStop = true
    /// A uniform random start inside the ε-ball (Madry et al.), for the methods that take one.
    public var randomStart: Bool
    /// MI-FGSM's decay factor μ.
    public var momentum: Float = 1.0
    /// CW: binary-search rounds over the trade-off constant c, and its first value.
    public var searchSteps = 5
    public var initialConst: Float = 1.0
    /// A score-based method's budget of model queries per sample and restart (Square's
    /// 5,000 in AutoAttack).
    public var queries = 5000
    /// How many of the likeliest wrong classes a method that `aimsAtLikelyClasses` tries
    /// (AutoAttack's 9); fewer when the model has fewer wrong classes.
    public var targetClasses = 9
    public var seed: UInt64 = 0

    public init(method: Method, norm: Norm = .linf, eps: Float, alpha: Float? = nil, steps: Int? = nil) {
        self.method = method
        self.norm = method.adoptsItsNorm ? method.norms[0] : norm
        self.eps = eps
        self.alpha = alpha
        self.steps = method.fixedSteps ?? steps ?? method.defaultSteps
        randomStart = method.randomStart
        loss = method.fixedLoss ?? .ce
    }

    /// Step size α, by the method's own rule.
    public var stepSize: Float { method.stepSize(self) }

    /// Rounds of the driver's loop after the start point: `steps`, or for a score-based
    /// method the proposals after its first query, so it queries each sample at most
    /// `queries` times per restart.
    var iterations: Int { method.blackBox ? queries - 1 : steps }

    /// Checks the budget before any work is done.
    public func validate() throws {
        func bad(_ why: String) -> AttackError { .invalid(why) }
        guard eps >= 0, eps.isFinite else { throw bad("eps must be a finite number ≥ 0, got \(eps)") }
        guard steps >= 1 else { throw bad("steps must be ≥ 1, got \(steps)") }
        guard restarts >= 1 else { throw bad("restarts must be ≥ 1, got \(restarts)") }
        guard queries >= 1 else { throw bad("queries must be ≥ 1, got \(queries)") }
        guard targetClasses >= 1 else { throw bad("target classes must be ≥ 1, got \(targetClasses)") }
        if let alpha, !(alpha > 0 && alpha.isFinite) { throw bad("alpha must be positive, got \(alpha)") }
        guard method.norms.contains(norm) else { throw bad(method.unsupportedNorm) }
        if let why = method.refusesAlpha, alpha != nil { throw bad(why) }
        if let own = method.fixedLoss, loss != own { throw bad("\(method) always uses the \(own.rawValue) loss, not \(loss.rawValue)") }
    }
}

public enum AttackError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    public var description: String {
        switch self { case let .invalid(why): return why }
    }
}
