import Foundation

/// The warnings AutoAttack gives about its own numbers (Croce & Hein 2020, `checks.py`),
/// and the sign of catastrophic overfitting (Wong et al. 2020), as audit checks. A failed
/// one does not mean the sweep ran wrong; it means its robust accuracy is likely too high.
/// All are computed from the records alone, so a merge of shards flags what one run would.
extension RobustnessSummary {
    /// AutoAttack's tolerance for Square breaking what the white-box attacks left: 0.2%
    /// of the samples.
    static let maskingTolerance = 0.002
    /// FGSM accuracy this far above the strongest iterative attack's (in points of the
    /// samples) flags catastrophic overfitting: a standard or PGD-trained model shows a
    /// much smaller gap, an overfitted one FGSM near clean accuracy and PGD near 0.
    static let overfittingGap = 0.3

    static func reliabilityChecks(settings: SweepSettings, records: [SampleRecord], rows: [Row]) -> [Check] {
        let probes = records.compactMap(\.probe)
        return probeChecks(probes) + [masking(settings, records), classes(settings, probes), overfitting(settings, rows, n: records.count)]
            .compactMap { $0 }
    }

    private static func percent(_ k: Int, of n: Int) -> String { String(format: "%.1f%%", 100 * Double(k) / Double(max(n, 1))) }

    private static func probeChecks(_ probes: [ModelProbe]) -> [Check] {
        let names = ["the model is deterministic (two forward passes agree)", "the model outputs logits, not probabilities",
                     "the input gradient is nonzero at every sample"]
        guard !probes.isEmpty else {
            return names.map { Check(check: $0, passed: true, detail: "not applicable: the records predate the model probe") }
        }
        let m = probes.count
        let randomized = probes.filter(\.randomized).count
        let probabilities = probes.filter(\.probabilities).count
        let zero = probes.filter(\.zeroGradient).count
        return [
            Check(check: names[0], passed: randomized == 0,
                  detail: randomized == 0 ? "identical outputs on all \(m) samples"
                      : "\(randomized) of \(m) samples gave different outputs on two passes: attacks must average over a "
                      + "randomized model's randomness (expectation over transformation), so these numbers may be too high"),
            Check(check: names[1], passed: probabilities < m,
                  detail: probabilities < m ? "\(m - probabilities) of \(m) output rows are not probability vectors"
                      : "every output row lies in [0, 1] and sums to 1: attack the logits (the layer before the softmax); "
                      + "cross-entropy on probabilities saturates and hides the gradient"),
            Check(check: names[2], passed: zero == 0,
                  detail: zero == 0 ? "nonzero at all \(m) samples"
                      : "\(zero) of \(m) samples (\(percent(zero, of: m))) have an all-zero cross-entropy gradient: gradient "
                      + "attacks cannot move them (masked or saturated gradients); trust a black-box attack there"),
        ]
    }

    /// Samples a score-based attack broke that no gradient attack of the sweep could, at
    /// the ε where there are most (AutoAttack's `check_square_sr`).
    private static func masking(_ settings: SweepSettings, _ records: [SampleRecord]) -> Check {
        let check = "no black-box attack breaks what the gradient attacks could not (gradient masking)"
        let attacks = settings.attacks
        let blackNames = Set(attacks.filter(\.blackBox).map(\.rawValue) + attacks.flatMap { $0.members.filter(\.method.blackBox).map(\.name) })
        let whiteNames = Set(attacks.filter { !$0.blackBox && $0.members.isEmpty }.map(\.rawValue)
                             + attacks.flatMap { $0.members.filter { !$0.method.blackBox }.map(\.name) })
        guard !blackNames.isEmpty && !whiteNames.isEmpty else {
            return Check(check: check, passed: true, detail: blackNames.isEmpty
                         ? "not applicable: no black-box attack (add square or autoattack)" : "not applicable: no gradient attack")
        }
        var worst = (count: 0, eps: Float(0))
        for (e, budget) in settings.epsilons.enumerated() where budget > 0 {
            var count = 0
            for r in records where r.clean == r.label {
                // Who broke this sample at this ε: whole attacks, or a cascade's members.
                var breakers = Set<String>()
                for (name, a) in r.attacks where e < a.predictions.count && a.predictions[e] != r.label {
                    if let members = a.brokenBy { members[e].map { breakers.insert($0) } } else { breakers.insert(name) }
                }
                if !breakers.isDisjoint(with: blackNames) && breakers.isDisjoint(with: whiteNames) { count += 1 }
            }
            if count > worst.count { worst = (count, budget) }
        }
        let n = records.count
        func unique(_ names: [String]) -> String { var seen = Set<String>(); return names.filter { seen.insert($0).inserted }.joined(separator: ", ") }
        let black = unique(attacks.filter(\.blackBox).map(\.title) + attacks.flatMap { $0.members.filter(\.method.blackBox).map(\.title) })
        let white = unique(attacks.filter { !$0.blackBox && $0.members.isEmpty }.map(\.title)
                           + attacks.flatMap { $0.members.filter { !$0.method.blackBox }.map(\.title) })
        let passed = Double(worst.count) <= maskingTolerance * Double(n)
        let detail = worst.count == 0 ? "the black-box attacks broke nothing the gradient attacks missed"
            : String(format: "at ε = %g %@ broke %d samples (%@) that %@ could not", worst.eps, black, worst.count,
                     percent(worst.count, of: n), white)
                + (passed ? ", within AutoAttack's 0.2% tolerance" : ": the gradients are likely masked and the gradient attacks' numbers too high")
        return Check(check: check, passed: passed, detail: detail)
    }

    /// APGD-T and FAB-T aim at `targetClasses` wrong classes; a model with fewer cannot give
    /// them that many, and below 4 classes APGD-T's targeted DLR loss does not exist.
    private static func classes(_ settings: SweepSettings, _ probes: [ModelProbe]) -> Check? {
        let aiming = settings.attacks.filter { $0.aimsAtLikelyClasses || $0.members.contains { $0.method.aimsAtLikelyClasses } }
        guard !aiming.isEmpty else { return nil }
        let check = "enough classes for the targeted attacks"
        guard let k = probes.map(\.classes).max() else {
            return Check(check: check, passed: true, detail: "not applicable: the records predate the model probe")
        }
        let wanted = settings.targetClasses ?? AttackConfig(method: .apgdT, eps: 0).targetClasses
        let passed = k - 1 >= wanted && k >= AttackLoss.minimumClasses(.dlr, targeted: true)
        let detail = passed ? "\(k) classes: \(wanted) target classes of \(k - 1) possible"
            : "the model has \(k) classes, so the targeted attacks aim at \(max(k - 1, 0)) of the \(wanted) classes asked for"
                + (k < AttackLoss.minimumClasses(.dlr, targeted: true) ? "; below 4 classes APGD-T's targeted DLR loss does not exist and it is left out" : "")
        return Check(check: check, passed: passed, detail: detail)
    }

    /// FGSM far above the strongest iterative attack: the model defeats single steps only.
    private static func overfitting(_ settings: SweepSettings, _ rows: [Row], n: Int) -> Check? {
        let strong = settings.attacks.filter(\.atLeastAsStrongAsFGSM)
        guard settings.attacks.contains(.fgsm), !strong.isEmpty else { return nil }
        var worst: (gap: Int, eps: Float, fgsm: Proportion, other: Row)?
        for budget in settings.epsilons where budget > 0 {
            guard let f = rows.first(where: { $0.attack == .fgsm && $0.eps == budget }),
                  let s = rows.filter({ strong.contains($0.attack) && $0.eps == budget }).min(by: { $0.robust.successes < $1.robust.successes })
            else { continue }
            let gap = f.robust.successes - s.robust.successes
            if gap > (worst?.gap ?? Int.min) { worst = (gap, budget, f.robust, s) }
        }
        let check = "FGSM does not leave far more accuracy than the iterative attacks (catastrophic overfitting)"
        guard let worst else { return Check(check: check, passed: true, detail: "not applicable: no ε > 0") }
        let passed = Double(worst.gap) <= overfittingGap * Double(n)
        let pct = { (p: Proportion) in String(format: "%.1f%%", p.value * 100) }
        let detail = String(format: "at ε = %g FGSM leaves %@, %@ %@", worst.eps, pct(worst.fgsm), worst.other.attack.title, pct(worst.other.robust))
            + (passed ? "" : ": the model resists single steps only, the catastrophic overfitting of fast adversarial training "
                + "(Wong et al. 2020); trust the iterative attack")
        return Check(check: check, passed: passed, detail: detail)
    }
}
