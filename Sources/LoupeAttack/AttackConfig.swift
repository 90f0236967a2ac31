import LoupeTensor

/// Which attack, its threat model and its budget. Pixels live in [0, 1]; the model
/// normalizes internally, so ε is always in pixel units (8/255 means 8 gray levels).
public struct AttackConfig: Sendable {
    public enum Method: String, CaseIterable, Codable, Sendable {
        case fgsm, bim, pgd, mifgsm, cw
        /// Croce & Hein's APGD: PGD with a step size that adapts per sample (AutoPGD.swift).
        case apgd
    }
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
    /// PGD's uniform random start inside the ε-ball.
    public var randomStart = true
    /// MI-FGSM's decay factor μ.
    public var momentum: Float = 1.0
    /// CW: binary-search rounds over the trade-off constant c, and its first value.
    public var searchSteps = 5
    public var initialConst: Float = 1.0
    public var seed: UInt64 = 0

    public init(method: Method, norm: Norm = .linf, eps: Float, alpha: Float? = nil, steps: Int? = nil) {
        self.method = method
        self.norm = method == .cw ? .l2 : norm
        self.eps = eps
        self.alpha = alpha
        switch method {
        case .fgsm: self.steps = 1
        case .cw, .apgd: self.steps = steps ?? 100   // 100 for APGD as in AutoAttack
        default: self.steps = steps ?? 10
        }
        if method == .fgsm || method == .bim || method == .mifgsm { randomStart = false }
        if method == .cw { loss = .margin }
    }

    /// Step size: always ε for FGSM (one step to the ball's corner); APGD's first step
    /// size 2ε (it then halves per sample); for the other iterative attacks an explicit
    /// `alpha`, else Madry et al.'s 2.5·ε/steps so the whole ball is reachable from any start.
    public var stepSize: Float {
        if method == .fgsm { return eps }
        if method == .apgd { return 2 * eps }
        if let alpha { return alpha }
        switch method {
        case .fgsm: return eps
        case .mifgsm: return eps / Float(max(steps, 1))
        default: return 2.5 * eps / Float(max(steps, 1))
        }
    }

    /// Checks the budget before any work is done.
    public func validate() throws {
        func bad(_ why: String) -> AttackError { .invalid(why) }
        guard eps >= 0, eps.isFinite else { throw bad("eps must be a finite number ≥ 0, got \(eps)") }
        guard steps >= 1 else { throw bad("steps must be ≥ 1, got \(steps)") }
        guard restarts >= 1 else { throw bad("restarts must be ≥ 1, got \(restarts)") }
        if let alpha, !(alpha > 0 && alpha.isFinite) { throw bad("alpha must be positive, got \(alpha)") }
        if method == .fgsm && norm == .l2 { throw bad("fgsm is an L∞ attack; use pgd --norm l2 (or bim) for L2") }
        if method == .mifgsm && norm == .l2 { throw bad("mifgsm is implemented for L∞ only") }
        if method == .apgd && alpha != nil { throw bad("apgd sets its own step size (2ε, halved when progress stalls): drop alpha") }
        if method == .cw && norm == .linf { throw bad("cw is an L2 attack: use --norm l2") }
    }
}

public enum AttackError: Error, CustomStringConvertible, Equatable {
    case invalid(String)
    public var description: String {
        switch self { case let .invalid(why): return why }
    }
}
