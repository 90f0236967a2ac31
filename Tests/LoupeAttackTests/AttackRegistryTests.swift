import Foundation
@testable import LoupeAttack
import LoupeNN
import LoupeTensor
import XCTest

/// A method is its file plus one line in `AttackConfig.Method.allCases`: everything else
/// (names, help text, validation, sweep and audit rules) is read from its declaration.
final class AttackRegistryTests: XCTestCase {
    typealias Method = AttackConfig.Method

    func testRegistryListsEveryMethodOnce() {
        let names = Method.allCases.map(\.rawValue)
        XCTAssertEqual(names, ["fgsm", "bim", "pgd", "mifgsm", "apgd", "apgd-t", "fab-t", "square", "autoattack", "cw"])
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertEqual(Set(Method.allCases.map(\.title)).count, names.count)
        XCTAssertEqual(Method.names, "fgsm, bim, pgd, mifgsm, apgd, apgd-t, fab-t, square, autoattack, cw")
        XCTAssertEqual(Method.trainableNames, "fgsm, pgd")
    }

    /// Names round-trip through lookup and JSON (sweep.json stores them as strings), and
    /// an unknown name is refused rather than guessed.
    func testNamesRoundTrip() throws {
        for m in Method.allCases {
            XCTAssertEqual(Method(rawValue: m.rawValue), m)
            XCTAssertEqual("\(m)", m.rawValue)
            let json = try JSONEncoder().encode([m])
            XCTAssertEqual(String(decoding: json, as: UTF8.self), "[\"\(m.rawValue)\"]")
            XCTAssertEqual(try JSONDecoder().decode([Method].self, from: json), [m])
        }
        XCTAssertNil(Method(rawValue: "PGD"))
        XCTAssertThrowsError(try JSONDecoder().decode([Method].self, from: Data("[\"deepfool\"]".utf8)))
        let old = Data(#"{"model":"m","data":"d","total":4,"attacks":["fgsm","pgd","apgd"],"norm":"linf","epsilons":[0.1],"steps":20,"restarts":1,"seed":0,"unboundedCheck":true}"#.utf8)
        XCTAssertEqual(try JSONDecoder().decode(SweepSettings.self, from: old).attacks, [.fgsm, .pgd, .apgd])
    }

    /// Validation enforces each method's declared norms, its own step size and its fixed
    /// loss; a sweep gives each method a norm it supports.
    func testDeclarationsAreEnforced() {
        for m in Method.allCases {
            for norm in AttackConfig.Norm.allCases {
                var c = AttackConfig(method: m, norm: norm, eps: 0.1)
                c.norm = norm
                if m.norms.contains(norm) {
                    XCTAssertNoThrow(try c.validate(), "\(m) \(norm)")
                } else {
                    XCTAssertThrowsError(try c.validate(), "\(m) \(norm)") { XCTAssertEqual("\($0)", m.unsupportedNorm) }
                }
                let s = SweepSettings(model: "m", data: "d", total: 1, attacks: [m], norm: norm, epsilons: [0.1], alpha: 0.01)
                XCTAssertTrue(m.norms.contains(s.config(m, eps: 0.1).norm), "\(m) in an \(norm) sweep")
                XCTAssertNoThrow(try s.validate(), "\(m) in an \(norm) sweep")
            }
            let withAlpha = AttackConfig(method: m, norm: m.norms[0], eps: 0.1, alpha: 0.01)
            if m.refusesAlpha != nil { XCTAssertThrowsError(try withAlpha.validate(), "\(m)") } else { XCTAssertNoThrow(try withAlpha.validate(), "\(m)") }
            var c = AttackConfig(method: m, norm: m.norms[0], eps: 0.1)
            XCTAssertEqual(c.steps, m.fixedSteps ?? m.defaultSteps)
            XCTAssertEqual(c.randomStart, m.randomStart)
            for loss in AttackConfig.Loss.allCases {
                c.loss = loss
                if let own = m.fixedLoss, own != loss { XCTAssertThrowsError(try c.validate(), "\(m) \(loss)") } else { XCTAssertNoThrow(try c.validate(), "\(m) \(loss)") }
            }
        }
        XCTAssertEqual(AttackConfig(method: .fgsm, eps: 0.1, steps: 7).steps, 1)
        XCTAssertEqual(AttackConfig(method: .cw, norm: .linf, eps: 0.1).norm, .l2)
    }

    /// The audit compares with FGSM exactly the methods that declare they are at least as
    /// strong, and only those the sweep runs.
    func testAuditExpectationsComeFromTheDeclarations() throws {
        let all = Method.allCases
        let settings = SweepSettings(model: "m", data: "d", total: 1, attacks: all, norm: .l2, epsilons: [0.1], unboundedCheck: false)
        let record = SampleRecord(id: 0, label: 0, clean: 0, attacks: Dictionary(uniqueKeysWithValues: all.map {
            ($0.rawValue, AttackRecord(predictions: [0], attacked: [true], linf: [0.05], l2: [0.05], step: [nil],
                                       brokenAt: nil, outOfRange: 0, nonFinite: false))
        }), unbounded: nil)
        let summary = try RobustnessSummary(settings: settings, records: [record])
        let compared = summary.audit.map(\.check).filter { $0.hasSuffix("never leaves more accuracy than FGSM at the same ε") }
        XCTAssertEqual(compared, ["PGD", "APGD", "APGD-T", "AutoAttack"].map { "\($0) never leaves more accuracy than FGSM at the same ε" })
        XCTAssertEqual(summary.accuracyPerStep.map(\.attack), all.filter(\.plotsSteps))
        XCTAssertEqual(all.filter(\.plotsSteps), [.bim, .pgd, .mifgsm, .apgd, .apgdT])
        let fgsmOnly = SweepSettings(model: "m", data: "d", total: 1, attacks: [.fgsm], epsilons: [0.1], unboundedCheck: false)
        XCTAssertFalse(try RobustnessSummary(settings: fgsmOnly, records: [record]).audit.contains { $0.check.contains("than FGSM") })
    }

    /// A method the library has never heard of runs through `Attacker` from its
    /// declaration alone: here gradient descent on the loss (x ← P(x − α·sign ∇)), which on
    /// a linear two-class model must end at x0 + ε·sign(w_true − w_other), clipped.
    func testAnUnregisteredMethodRunsFromItsDeclarationAlone() throws {
        struct Descent: AttackStepRule {
            let alpha: Float
            func begin(at x: [Float], context: StepContext) {}
            func step(_ state: inout Void, _ x: inout [Float], sample i: Int, step: Int, gradient: inout [Float], row a: Int,
                      context: StepContext) {
                let d = context.d
                var negated = gradient
                for j in a * d..<(a + 1) * d { negated[j] = -gradient[j] }
                context.move(&x, sample: i, along: negated, row: a, by: alpha)
            }
        }
        let descent = Method(name: "descent", title: "Descent", summary: "lowers the loss", norms: [.linf],
                             randomStart: false, stepSize: { $0.alpha ?? $0.eps }, engine: .steps { Descent(alpha: $0.stepSize) })
        XCTAssertNil(Method(rawValue: "descent"), "not registered, so not reachable by name")

        let v: [Float] = [0.8, -1.3, 0.4, -0.2, 1.1, -0.7]
        let x0: [Float] = [0.5, 0.02, 0.97, 0.5, 0.95, 0.3]
        let eps: Float = 0.1
        let model = try Fixtures.linearModel(weights: [v.map { $0 / 2 }, v.map { -$0 / 2 }], bias: [0, 0])
        let images = try Tensor(shape: [1, 6, 1, 1], scalars: x0)
        let out = try Attacker(model: model, config: AttackConfig(method: descent, eps: eps, alpha: 0.04, steps: 4))
            .run(images, labels: [0], recordTrajectory: true)
        let expected = zip(x0, v).map { min(max($0 + eps * ($1 > 0 ? 1 : -1), 0), 1) }
        XCTAssertEqual(out.adversarial.scalars, expected)
        XCTAssertEqual(out.success, [false])
        XCTAssertEqual(out.trajectories[0].map(\.step), Array(0...4))
    }
}
