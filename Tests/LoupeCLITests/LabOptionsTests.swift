@testable import LoupeCLI
import Foundation
import XCTest

/// The attack-side commands take typed options: a bad choice is refused by the parser
/// with the valid list (exit 2, before any work), and budgets read 8/255 everywhere.
final class LabOptionsTests: XCTestCase {
    func testBadMethodNamesTheValidOnes() throws {
        let r = try LoupeBinary.run(["attack", "x.png", "--method", "pgdd"])
        XCTAssertEqual(r.status, 2, r.stderr)
        for name in ["fgsm", "bim", "pgd", "mifgsm", "apgd", "cw"] { XCTAssertTrue(r.stderr.contains(name), "\(name): \(r.stderr)") }
    }

    func testBadLossNamesTheValidOnes() throws {
        for command in [["attack", "x.png"], ["robustness"], ["evaluate", "--model", "m.safetensors", "--attack", "pgd"]] {
            let r = try LoupeBinary.run(command + ["--loss", "bad"])
            XCTAssertEqual(r.status, 2, "\(command): \(r.stderr)")
            for name in ["ce", "margin", "dlr"] { XCTAssertTrue(r.stderr.contains("'\(name)'"), "\(command) \(name): \(r.stderr)") }
        }
    }

    func testAttackBudgetsReadFractions() throws {
        let attack = try Attack.parse(["x.png", "--method", "pgd", "--eps", "8/255", "--alpha", "1/255"])
        XCTAssertEqual(attack.settings.eps, 8 / 255)
        XCTAssertEqual(attack.settings.config.stepSize, 1 / 255)
        XCTAssertThrowsError(try Attack.parse(["x.png", "--method", "apgd", "--alpha", "0.01"]), "apgd adapts its own step")
        XCTAssertThrowsError(try Attack.parse(["x.png", "--eps", "8/0"]))
    }

    func testEvaluateTakesFractionBudgets() throws {
        let evaluate = try Evaluate.parse(["--model", "m.safetensors", "--attack", "pgd", "--eps", "8/255", "--alpha", "2/255"])
        let attack = try XCTUnwrap(evaluate.settings.attack)
        XCTAssertEqual(attack.eps, 8 / 255)
        XCTAssertEqual(attack.config.stepSize, 2 / 255)
        XCTAssertEqual(attack.config.steps, 20, "evaluate's default PGD is PGD-20")
        // --report is still read as --out.
        XCTAssertEqual(try Evaluate.parse(["--model", "m.safetensors", "--report", "r"]).output.folder, "r")
        XCTAssertThrowsError(try Evaluate.parse(["--model", "m.safetensors", "--attack", "cw"]), "cw has no ε-ball")
    }

    func testTrainTakesFractionBudgetsAndTypedChoices() throws {
        let train = try Train.parse(["--out", "x.safetensors", "--adversarial", "pgd", "--eps", "8/255", "--alpha", "2/255",
                                     "--optimizer", "sgd", "--schedule", "step:2:0.5"])
        let adversary = try XCTUnwrap(train.settings.adversarial)
        XCTAssertEqual(adversary.eps, 8 / 255)
        XCTAssertEqual(adversary.alpha, 2 / 255)
        XCTAssertEqual(adversary.steps, 7, "Madry et al.'s 7 steps unless told")
        XCTAssertEqual(train.settings.optimizer, .sgd)
        XCTAssertEqual(train.settings.schedule, .step(every: 2, gamma: 0.5))
        XCTAssertThrowsError(try Train.parse(["--out", "x.safetensors", "--eps", "0.1"]), "a budget needs --adversarial")
        let bim = try LoupeBinary.run(["train", "--out", "x.safetensors", "--adversarial", "bim"])
        XCTAssertEqual(bim.status, 2, bim.stderr)
        XCTAssertTrue(bim.stderr.contains("'pgd'") && bim.stderr.contains("'fgsm'"), bim.stderr)
    }

    /// AutoAttack's attacks take their budgets from --queries and --target-classes in every
    /// command; evaluate spells its option --attack or --attacks; autoattack's iterations
    /// are the standard 100 and cannot be changed per attack.
    func testAutoAttackOptions() throws {
        for spelling in ["--attack", "--attacks"] {
            let e = try Evaluate.parse(["--model", "m.safetensors", spelling, "autoattack", "--eps", "8/255", "--queries", "1000",
                                        "--target-classes", "5"])
            let config = try XCTUnwrap(e.settings.attack).config
            XCTAssertEqual(config.method, .autoattack)
            XCTAssertEqual([config.steps, config.queries, config.targetClasses], [100, 1000, 5])
        }
        // Methods with their own loss keep it rather than failing on evaluate's default ce.
        for method in ["apgd-t", "square", "fab-t"] {
            let e = try Evaluate.parse(["--model", "m.safetensors", "--attack", method])
            XCTAssertNoThrow(try e.settings.validate(), method)
        }
        XCTAssertEqual(try XCTUnwrap(Evaluate.parse(["--model", "m.safetensors", "--attack", "apgd-t"]).settings.attack).config.steps, 100)
        let r = try Robustness.parse(["--attacks", "autoattack,square", "--queries", "300", "--target-classes", "3"])
        let s = r.settings(total: 10)
        XCTAssertEqual(s.attacks, [.autoattack, .square])
        XCTAssertEqual([s.queries, s.targetClasses], [300, 3])
        XCTAssertEqual(s.config(.autoattack, eps: 0.1).steps, 100, "the standard iterations, whatever --steps says")
        XCTAssertEqual(try Robustness.parse([]).settings(total: 10).queries, nil, "defaults stay out of sweep.json")
        let fixed = try LoupeBinary.run(["robustness", "--attacks", "autoattack:50"])
        XCTAssertEqual(fixed.status, 2, fixed.stderr)
        XCTAssertTrue(fixed.stderr.contains("always runs 100 iterations"), fixed.stderr)
        let a = try Attack.parse(["x.png", "--method", "square", "--queries", "200"])
        XCTAssertEqual(a.settings.config.queries, 200)
        XCTAssertThrowsError(try Attack.parse(["x.png", "--method", "square", "--queries", "0"]))
    }

    /// The form Recipes/cluster/ uses, with the older --batch spelling.
    func testRobustnessKeepsItsCommandForms() throws {
        let r = try Robustness.parse(["--model", "m.safetensors", "--data", "fashion-mnist:test", "--attacks", "fgsm,pgd,apgd:100",
                                      "--eps", "0,0.05,8/255", "--steps", "20", "--alpha", "0.01", "--seed", "0", "--shard", "3/8",
                                      "--out", "runs/shard-3", "--resume", "--quiet", "--batch", "64"])
        let s = r.settings(total: 10_000)
        XCTAssertEqual(s.attacks, [.fgsm, .pgd, .apgd])
        XCTAssertEqual(s.attackSteps, ["apgd": 100])
        XCTAssertEqual(s.epsilons, [0, 8 / 255, 0.05], "ascending: 8/255 ≈ 0.031")
        XCTAssertEqual(s.alpha, 0.01)
        XCTAssertEqual(s.ids, 3750..<5000, "shard 3 of 8 of 10,000 samples")
        XCTAssertEqual(r.data.batchSize(default: 128), 64)
        // The default data names its split, so both spellings resume the same run.
        XCTAssertEqual(try Robustness.parse([]).settings(total: 1).data, "fashion-mnist:test")
        XCTAssertThrowsError(try Robustness.parse(["--resume"]), "--resume needs --out")
    }
}
