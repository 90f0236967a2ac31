import ArgumentParser
import LoupeAttack

/// `--attacks fgsm,pgd,apgd:100`: the attacks of a sweep in order, NAME:N giving one its
/// own iteration count (as AutoAttack runs APGD for 100 steps).
struct AttackList: CustomStringConvertible {
    let methods: [AttackConfig.Method]
    let steps: [AttackConfig.Method: Int]

    init(_ methods: [AttackConfig.Method], steps: [AttackConfig.Method: Int] = [:]) { (self.methods, self.steps) = (methods, steps) }

    var description: String { methods.map { m in steps[m].map { "\(m.rawValue):\($0)" } ?? m.rawValue }.joined(separator: ",") }

    init(parsing text: String) throws {
        var methods: [AttackConfig.Method] = [], steps: [AttackConfig.Method: Int] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.trimmingCharacters(in: .whitespaces).lowercased().split(separator: ":", omittingEmptySubsequences: false)
            let name = String(parts.first ?? "")
            guard let m = AttackConfig.Method(rawValue: name) else {
                throw ValidationError("unknown attack '\(name)'; choose from \(AttackConfig.Method.allValueStrings.joined(separator: ", "))")
            }
            guard !methods.contains(m) else { throw ValidationError("--attacks lists \(name) twice") }
            if parts.count > 1 {
                guard parts.count == 2, let n = Int(parts[1]), n >= 1 else {
                    throw ValidationError("'\(entry)' should be \(name):STEPS with STEPS ≥ 1, e.g. apgd:100")
                }
                let fixed = AttackConfig(method: m, eps: 0, steps: n).steps
                if fixed == 1 && n != 1 {
                    throw ValidationError("\(name) is a single step; drop ':\(n)' or use an iterative attack")
                }
                if fixed != n { throw ValidationError("\(name) always runs \(fixed) iterations; drop ':\(n)'") }
                steps[m] = n
            }
            methods.append(m)
        }
        guard !methods.isEmpty else { throw ValidationError("--attacks lists no attack") }
        (self.methods, self.steps) = (methods, steps)
    }
}
