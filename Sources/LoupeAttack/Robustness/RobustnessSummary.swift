import Foundation

/// A proportion with its Wilson score 95% interval (good at 0% and 100%, unlike the
/// normal approximation).
public struct Proportion: Equatable, Sendable {
    public let successes: Int
    public let trials: Int
    public init(successes: Int, trials: Int) { (self.successes, self.trials) = (successes, trials) }
    public var value: Double { trials > 0 ? Double(successes) / Double(trials) : 0 }

    public var ci95: (lower: Double, upper: Double) {
        guard trials > 0 else { return (0, 1) }
        let z = 1.959963984540054, n = Double(trials), p = value
        let denominator = 1 + z * z / n
        let center = (p + z * z / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / denominator
        return (max(0, center - half), min(1, center + half))
    }
}

/// Robust accuracy and attack success rate per attack and ε, plus the self-audit, all
/// computed from the per-sample records alone: a merged set of shards gives exactly
/// the numbers of one unsharded run.
public struct RobustnessSummary {
    public struct Row {
        public let attack: AttackConfig.Method
        public let eps: Float
        /// Correct under attack, over all samples.
        public let robust: Proportion
        /// Broken, over the samples that were correct before the attack.
        public let success: Proportion
        /// Samples the attack actually ran on at this ε (the rest were skipped by the cascade).
        public let attacked: Int
        /// For a cascade (AutoAttack), how many of the broken samples each member broke, in
        /// the cascade's order; they add up to the broken count.
        public let members: [MemberCount]
        /// For an attack that spends model queries, what it spent at this ε.
        public let queries: QueryStats?

        /// "APGD-CE broke 812, APGD-T 9 more, FAB-T 0 more, Square 1 more".
        public var contributions: String? {
            guard let first = members.first else { return nil }
            return (["\(first.title) broke \(first.broke)"] + members.dropFirst().map { "\($0.title) \($0.broke) more" })
                .joined(separator: ", ")
        }
    }

    /// One member of a cascade and the samples it broke (that the members before it left).
    public struct MemberCount: Equatable, Sendable {
        public let name: String
        public let title: String
        public let broke: Int
    }

    /// The model queries a score-based attack made at one ε: in all, per sample it queried
    /// (inside a cascade, the samples that reached it), and the median over the samples it
    /// broke there (the figure Square's paper reports).
    public struct QueryStats: Equatable, Sendable {
        public let total: Int
        public let mean: Double
        public let medianToBreak: Double?
    }

    public struct Check {
        public let check: String
        public let passed: Bool
        public let detail: String
    }

    public let settings: SweepSettings
    public let n: Int
    public let clean: Proportion
    public let rows: [Row]
    public let audit: [Check]
    /// Per iterative attack, accuracy after each step at the largest ε.
    public let accuracyPerStep: [(attack: AttackConfig.Method, accuracy: [Double])]
    /// Accuracy under the ε = 1 self-check (nil when it was off).
    public let unbounded: Proportion?

    public init(settings: SweepSettings, records: [SampleRecord]) throws {
        self.settings = settings
        let eps = settings.epsilons
        n = records.count
        let correct = records.filter { $0.clean == $0.label }
        clean = Proportion(successes: correct.count, trials: n)
        var rows: [Row] = []
        for method in settings.attacks {
            for (e, budget) in eps.enumerated() {
                var (robust, broken, attacked) = (0, 0, 0)
                var byMember = [String: Int]()
                var (queries, queried, spent, toBreak) = (0, 0, false, [Int]())
                let scoreBased = Set([method].filter(\.blackBox).map(\.rawValue) + method.members.filter(\.method.blackBox).map(\.name))
                for r in records {
                    guard let a = r.attacks[method.rawValue], a.predictions.count == eps.count else {
                        throw AttackError.invalid("sample \(r.id) has no \(method.rawValue) result for all \(eps.count) budgets")
                    }
                    if a.predictions[e] == r.label { robust += 1 } else if r.clean == r.label {
                        broken += 1
                        if let member = a.brokenBy?[e] { byMember[member, default: 0] += 1 }
                    }
                    if a.attacked[e] { attacked += 1 }
                    if let q = a.queries?[e] {
                        (queries, spent) = (queries + q, true)
                        if a.attacked[e] && q > 0 { queried += 1 }
                        let breaker = a.brokenBy.map { $0[e] } ?? method.rawValue
                        if a.attacked[e] && a.predictions[e] != r.label && r.clean == r.label, let breaker, scoreBased.contains(breaker) {
                            toBreak.append(q)
                        }
                    }
                }
                let stats = spent ? QueryStats(total: queries, mean: Double(queries) / Double(max(queried, 1)),
                                               medianToBreak: Self.median(toBreak)) : nil
                rows.append(Row(attack: method, eps: budget, robust: Proportion(successes: robust, trials: n),
                                success: Proportion(successes: broken, trials: correct.count), attacked: attacked,
                                members: method.members.map { MemberCount(name: $0.name, title: $0.title, broke: byMember[$0.name] ?? 0) },
                                queries: stats))
            }
        }
        self.rows = rows

        var perStep: [(AttackConfig.Method, [Double])] = []
        for method in settings.attacks where method.plotsSteps {
            let last = eps.count - 1, steps = settings.steps(for: method)
            // A sample counts as robust after k steps unless it broke at a step ≤ k at the
            // largest ε (a break at a smaller ε, carried, counts from its own step).
            let curve = (0...steps).map { k -> Double in
                let ok = records.filter { r in
                    guard let a = r.attacks[method.rawValue] else { return false }
                    if a.predictions[last] == r.label { return true }
                    return (a.step[last] ?? 0) > k
                }.count
                return Double(ok) / Double(max(records.count, 1))
            }
            perStep.append((method, curve))
        }
        accuracyPerStep = perStep

        if settings.unboundedCheck {
            let held = correct.filter { $0.unbounded == $0.label }.count
            unbounded = Proportion(successes: held, trials: records.count)
        } else {
            unbounded = nil
        }
        audit = Self.audit(settings: settings, records: records, rows: rows, clean: clean,
                           perStep: perStep, unbounded: unbounded)
            + Self.reliabilityChecks(settings: settings, records: records, rows: rows)
    }

    static func audit(
        settings: SweepSettings, records: [SampleRecord], rows: [Row], clean: Proportion,
        perStep: [(AttackConfig.Method, [Double])], unbounded: Proportion?
    ) -> [Check] {
        let eps = settings.epsilons, tolerance: Float = 1e-6
        var checks: [Check] = []

        var worst: (excess: Float, id: Int, attack: String, eps: Float) = (0, -1, "", 0)
        var range: (excess: Float, id: Int) = (0, -1)
        var nanIDs: [Int] = []
        for r in records {
            for (name, a) in r.attacks.sorted(by: { $0.key < $1.key }) {
                let method = AttackConfig.Method(rawValue: name)
                let l2 = (method.map(settings.norm(for:)) ?? settings.norm) == .l2
                let capped = { (budget: Float) in budget > 0 || method?.zeroBudgetIsUnbounded != true }
                for (e, budget) in eps.enumerated() where e < a.linf.count && capped(budget) {
                    let excess = (l2 ? a.l2[e] : a.linf[e]) - budget
                    if excess > worst.excess { worst = (excess, r.id, name, budget) }
                }
                if a.outOfRange > range.excess { range = (a.outOfRange, r.id) }
                if a.nonFinite { nanIDs.append(r.id) }
            }
        }
        checks.append(Check(
            check: "every perturbation inside its ε-ball (+1e-6)", passed: worst.excess <= tolerance,
            detail: worst.id < 0 ? "largest excess 0 over \(records.count) samples"
                : String(format: "largest excess %.3g (sample %d, %@ at ε = %g)", worst.excess, worst.id, worst.attack, worst.eps)))
        checks.append(Check(
            check: "every adversarial pixel inside [0, 1]", passed: range.excess <= tolerance,
            detail: range.id < 0 ? "no pixel outside" : String(format: "sample %d is %.3g outside", range.id, range.excess)))
        checks.append(Check(
            check: "no NaN or ∞", passed: nanIDs.isEmpty,
            detail: nanIDs.isEmpty ? "all values finite" : "non-finite pixels in samples \(nanIDs.prefix(5).map(String.init).joined(separator: ", "))"))

        if let zero = eps.firstIndex(of: 0) {
            let bad = settings.attacks.filter { m in rows.first { $0.attack == m && $0.eps == eps[zero] }?.robust.successes != clean.successes }
            checks.append(Check(
                check: "accuracy at ε = 0 equals clean accuracy", passed: bad.isEmpty,
                detail: bad.isEmpty ? String(format: "all attacks %.4f", clean.value)
                    : "differs for " + bad.map(\.rawValue).joined(separator: ", ")))
        } else {
            checks.append(Check(check: "accuracy at ε = 0 equals clean accuracy", passed: true,
                                detail: "not applicable: ε = 0 is not in the sweep"))
        }

        var rises: [String] = []
        for m in settings.attacks {
            let acc = rows.filter { $0.attack == m }.map(\.robust.successes)
            for i in acc.indices.dropFirst() where acc[i] > acc[i - 1] {
                rises.append("\(m.rawValue) at ε = \(eps[i])")
            }
            if let first = acc.first, first > clean.successes { rises.append("\(m.rawValue) above clean at ε = \(eps[0])") }
        }
        checks.append(Check(check: "accuracy never rises with ε", passed: rises.isEmpty,
                            detail: rises.isEmpty ? "monotone for every attack" : "rises: " + rises.joined(separator: "; ")))

        var stepRises: [String] = []
        for (m, curve) in perStep {
            for i in curve.indices.dropFirst() where curve[i] > curve[i - 1] { stepRises.append("\(m.rawValue) at step \(i)") }
            let final = rows.last { $0.attack == m }?.robust.value ?? 0
            if let last = curve.last, Swift.abs(last - final) > 1e-12 {
                stepRises.append("\(m.rawValue): last step \(last) ≠ reported \(final)")
            }
        }
        checks.append(Check(check: "accuracy never rises with steps", passed: stepRises.isEmpty,
                            detail: perStep.isEmpty ? "not applicable: no iterative attack"
                                : stepRises.isEmpty ? "monotone over \(perStep.map { "\($0.0.rawValue) \($0.1.count - 1)" }.joined(separator: ", ")) steps at ε = \(eps.last ?? 0)"
                                : stepRises.joined(separator: "; ")))

        // Each stronger iterative attack against FGSM at the same budget (a sanity check of
        // the run, not a theorem: a single sample can resist PGD and fall to FGSM).
        for strong in AttackConfig.Method.allCases where strong.atLeastAsStrongAsFGSM && settings.attacks.contains(strong) {
            let name = strong.title
            let check = "\(name) never leaves more accuracy than FGSM at the same ε"
            guard settings.attacks.contains(.fgsm) else {
                checks.append(Check(check: check, passed: true, detail: "not applicable: the sweep does not run FGSM"))
                continue
            }
            var worse: [String] = []
            for budget in eps {
                let p = rows.first { $0.attack == strong && $0.eps == budget }?.robust.successes ?? 0
                let f = rows.first { $0.attack == .fgsm && $0.eps == budget }?.robust.successes ?? 0
                if p > f { worse.append("ε = \(budget): \(name) \(p) > FGSM \(f)") }
            }
            checks.append(Check(check: check, passed: worse.isEmpty, detail: worse.isEmpty ? "at every ε" : worse.joined(separator: "; ")))
        }

        if let unbounded {
            checks.append(Check(check: "an unbounded run (PGD, ε = 1) reaches 0%", passed: unbounded.successes == 0,
                                detail: String(format: "accuracy %.4f (%d of %d samples survive)", unbounded.value, unbounded.successes, unbounded.trials)))
        }
        return checks
    }

    static func median(_ values: [Int]) -> Double? {
        guard !values.isEmpty else { return nil }
        let v = values.sorted(), m = v.count / 2
        return v.count % 2 == 1 ? Double(v[m]) : Double(v[m - 1] + v[m]) / 2
    }

    /// Everything, as result.json holds it; `brief` is what `--json` prints.
    public func result(run: String) -> RobustnessResult {
        func pair(_ p: Proportion) -> [Double] { let c = p.ci95; return [c.lower, c.upper] }
        let st = settings
        return RobustnessResult(
            run: run, cleanAccuracy: clean.value, n: n,
            rows: rows.map { r in
                RobustnessResult.Row(attack: r.attack.rawValue, eps: plain(r.eps), robustAccuracy: r.robust.value,
                                     successRate: r.success.value, ci95: pair(r.robust), successCI95: pair(r.success),
                                     robust: r.robust.successes, broken: r.success.successes, correctClean: r.success.trials,
                                     attacked: r.attacked,
                                     members: r.members.isEmpty ? nil : r.members.map { .init(attack: $0.name, broke: $0.broke) },
                                     queries: r.queries.map { .init(total: $0.total, mean: $0.mean, medianToBreak: $0.medianToBreak) })
            },
            audit: audit.map { RobustnessResult.Check(check: $0.check, passed: $0.passed, detail: $0.detail) },
            cleanCorrect: clean.successes,
            settings: RobustnessResult.Settings(
                model: st.model, data: st.data, total: st.total, attacks: st.attacks.map(\.rawValue), norm: st.norm.rawValue,
                eps: st.epsilons.map(plain), steps: st.steps,
                stepsPerAttack: Dictionary(uniqueKeysWithValues: st.attacks.map { ($0.rawValue, st.steps(for: $0)) }),
                loss: (st.loss ?? .ce).rawValue, alpha: st.alpha.map(plain), restarts: st.restarts, seed: st.seed,
                shard: st.shard?.description, queries: st.queries, targetClasses: st.targetClasses),
            accuracyPerStep: Dictionary(uniqueKeysWithValues: accuracyPerStep.map { ($0.attack.rawValue, $0.accuracy) }),
            unboundedAccuracy: unbounded?.value)
    }
}

/// A Float as the decimal it was typed as (0.05, not 0.05000000074505806).
func plain(_ x: Float) -> Double { Double("\(x)") ?? Double(x) }
