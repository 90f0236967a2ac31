import LoupeNN
import LoupeTensor

extension AttackConfig {
    /// Everything the lab knows about one attack, declared in that attack's own file
    /// (FGSM.swift, PGD.swift, …) and listed once in `AttackConfig.Method.allCases`.
    /// Settings, sweeps, the audit and the CLI read these fields instead of switching on
    /// the name, so a new attack is its file plus one registration line.
    ///
    /// Two methods are the same method when their names are; a method is stored (in
    /// `sweep.json`, records, sidecars) as its name.
    public struct Method: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible {
        /// The name users type and files store: "pgd".
        public let rawValue: String
        /// The name in prose and audit lines: "PGD".
        public let title: String
        /// One line for help text.
        public let summary: String
        /// Norms the method is defined for; the first is the one it takes when it
        /// `adoptsItsNorm`.
        public let norms: [Norm]
        /// Why another norm is refused, in the user's terms.
        let unsupportedNorm: String
        /// The norm is part of the method's definition (CW is an L2 attack), so the
        /// settings take it whatever norm is asked for.
        let adoptsItsNorm: Bool
        /// Iterations when none are asked for.
        let defaultSteps: Int
        /// Iterations whatever is asked for (FGSM's single step).
        let fixedSteps: Int?
        /// Whether the method starts from a random point of the ε-ball.
        let randomStart: Bool
        /// Step size α from the settings.
        let stepSize: @Sendable (AttackConfig) -> Float
        /// Set when the method chooses its own step size: why an explicit α is refused.
        let refusesAlpha: String?
        /// The loss the method is defined with (CW's margin), if it has no choice.
        let fixedLoss: Loss?
        /// Random restarts can change the result (a single deterministic step cannot).
        let restartable: Bool
        /// A sweep plots its accuracy after each step.
        let plotsSteps: Bool
        /// The audit expects it never to leave more accuracy than FGSM at the same ε.
        let atLeastAsStrongAsFGSM: Bool
        /// ε = 0 means "no cap on the distance" (CW minimizes it), not "no change".
        let zeroBudgetIsUnbounded: Bool
        /// Madry-style adversarial training may use it as its inner maximization.
        let trainable: Bool
        /// Score-based: it reads only the model's outputs, never a gradient, so it cannot be
        /// fooled by masked gradients; it spends `AttackConfig.queries` and reports them.
        public let blackBox: Bool
        /// Untargeted, it climbs a targeted loss toward each of the `targetClasses` most
        /// likely wrong classes of the clean image in turn, one restart each (AutoAttack's
        /// APGD-T and FAB-T); success is still any misclassification.
        public let aimsAtLikelyClasses: Bool
        /// The attacks it runs in cascade, in order (AutoAttack), each on the samples the
        /// ones before it left standing; empty for a single attack.
        public let members: [Member]
        /// How the method runs.
        let engine: Engine

        /// An update rule the driver iterates, or the method's own optimization loop.
        enum Engine: Sendable {
            case steps(@Sendable (AttackConfig) -> any AttackStepRule)
            case loop(@Sendable (AttackDriver, AttackBatch, _ recordTrajectory: Bool) throws -> AttackIterates)
        }

        /// One attack of a cascade: the name records and prose give it, and its settings,
        /// derived from the cascade's (budget, norm, seed, iterations, queries).
        public struct Member: Sendable {
            /// What records store as the attack that broke a sample: "apgd-ce".
            public let name: String
            /// "APGD-CE".
            public let title: String
            public let method: Method
            let configure: @Sendable (AttackConfig) -> AttackConfig

            init(_ name: String, _ title: String, _ method: Method, configure: @escaping @Sendable (AttackConfig) -> AttackConfig) {
                (self.name, self.title, self.method, self.configure) = (name, title, method, configure)
            }
        }

        /// A registered method by name.
        public init?(rawValue: String) {
            guard let method = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
            self = method
        }

        init(name: String, title: String, summary: String, norms: [Norm], unsupportedNorm: String? = nil,
             adoptsItsNorm: Bool = false, defaultSteps: Int = 10, fixedSteps: Int? = nil, randomStart: Bool,
             stepSize: @escaping @Sendable (AttackConfig) -> Float, refusesAlpha: String? = nil, fixedLoss: Loss? = nil,
             restartable: Bool = true, plotsSteps: Bool = true, atLeastAsStrongAsFGSM: Bool = false,
             zeroBudgetIsUnbounded: Bool = false, trainable: Bool = false, blackBox: Bool = false,
             aimsAtLikelyClasses: Bool = false, members: [Member] = [], engine: Engine) {
            (rawValue, self.title, self.summary, self.norms, self.adoptsItsNorm) = (name, title, summary, norms, adoptsItsNorm)
            self.unsupportedNorm = unsupportedNorm ?? "\(name) supports \(norms.map(\.rawValue).joined(separator: " and ")) only"
            (self.defaultSteps, self.fixedSteps, self.randomStart, self.stepSize) = (defaultSteps, fixedSteps, randomStart, stepSize)
            (self.refusesAlpha, self.fixedLoss, self.restartable, self.plotsSteps) = (refusesAlpha, fixedLoss, restartable, plotsSteps)
            (self.atLeastAsStrongAsFGSM, self.zeroBudgetIsUnbounded, self.trainable) = (atLeastAsStrongAsFGSM, zeroBudgetIsUnbounded, trainable)
            (self.blackBox, self.aimsAtLikelyClasses, self.members) = (blackBox, aimsAtLikelyClasses, members)
            self.engine = engine
        }

        public var description: String { rawValue }
        public static func == (a: Self, b: Self) -> Bool { a.rawValue == b.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }
}
