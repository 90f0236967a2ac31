import Foundation
import LoupeNN
import LoupeTensor

/// Carlini & Wagner's L2 attack: minimize ‖x' − x‖² + c·max(margin, −κ) over
/// x' = (tanh(w) + 1)/2, which keeps pixels in [0, 1] without clipping, with Adam;
/// a per-sample binary search over c finds the smallest perturbation that succeeds.
/// `eps`, when positive, caps the returned perturbation's L2 norm (a budgeted CW).
/// It runs its own Adam and binary-search loop; the driver validates its inputs and
/// re-judges what it returns.
extension AttackConfig.Method {
    public static let cw = Self(
        name: "cw", title: "CW", summary: "Carlini–Wagner L2: smallest perturbation by Adam and a search over c",
        norms: [.l2], unsupportedNorm: "cw is an L2 attack: use --norm l2", adoptsItsNorm: true,
        defaultSteps: 100, randomStart: false, stepSize: madryStepSize, fixedLoss: .margin,
        plotsSteps: false, zeroBudgetIsUnbounded: true,
        engine: .loop { driver, batch, record in
            try CarliniWagner(model: driver.model, config: driver.config).run(batch, recordTrajectory: record)
        })
}

struct CarliniWagner {
    let model: Model
    let config: AttackConfig
    let kappa: Float = 0
    let learningRate: Float = 0.01

    func run(_ batch: AttackBatch, recordTrajectory: Bool) throws -> AttackIterates {
        let (images, labels, targets) = (batch.images, batch.labels, batch.targets)
        let n = images.shape[0]
        let x0 = images.detached
        let d = x0.count / max(n, 1)
        // atanh of pixels pulled slightly inside (0, 1) so the start is finite.
        let w0 = x0.scalars.map { Float(atanh(2 * Double(min(max($0, 1e-6), 1 - 1e-6)) - 1)) }
        var lower = [Float](repeating: 0, count: n), upper = [Float](repeating: 1e10, count: n)
        var c = [Float](repeating: config.initialConst, count: n)
        var best = x0.scalars, bestL2 = [Float](repeating: .infinity, count: n)
        var trajectories = [[AttackStep]](repeating: [], count: n)
        var firstHit = [Int?](repeating: nil, count: n)

        for round in 0..<config.searchSteps {
            let w = Parameter(try Tensor(shape: images.shape, scalars: w0).requiringGrad())
            let adam = Adam([w], learningRate: learningRate)
            var succeeded = [Bool](repeating: false, count: n)
            for step in 0..<config.steps {
                adam.zeroGrad([w])
                let x = (w.value.tanh() + 1) * 0.5
                let logits = try model.forward(x).output ?? { throw AttackError.invalid("\(model.name) produced no logits") }()
                let delta = try x - x0
                let dist = try (delta * delta).reshaped([n, d]).sum(axes: [1])
                // margin > 0 means success; the loss pushes it up to κ and no further.
                let m = try AttackLoss.margin(logits, of: targets ?? labels)
                let f = targets == nil ? try (m + kappa).clamp(min: 0) : try (kappa - m).clamp(min: 0)
                let loss = try (dist + f * Tensor(c)).sum()
                try loss.backward()
                try adam.step()

                let preds = try logits.argmax()
                let dists = dist.scalars, xs = x.scalars
                for i in 0..<n {
                    guard batch.hits(i, preds[i]) else { continue }
                    succeeded[i] = true
                    if round == 0 && firstHit[i] == nil { firstHit[i] = step }
                    let l2 = dists[i].squareRoot()
                    if l2 < bestL2[i] && (config.eps <= 0 || l2 <= config.eps) {
                        bestL2[i] = l2
                        for j in i * d..<(i + 1) * d { best[j] = xs[j] }
                    }
                }
                if recordTrajectory && round == 0 {
                    let p = try Autograd.noGrad { try logits.softmax() }.scalars, k = logits.shape[1]
                    let losses = try AttackLoss.perSample(logits, labels: labels, targets: targets, kind: .margin)
                    for i in 0..<n {
                        trajectories[i].append(AttackStep(step: step, loss: losses[i], trueProbability: p[i * k + labels[i]],
                                                          targetProbability: targets.map { p[i * k + $0[i]] }, predicted: preds[i]))
                    }
                }
            }
            for i in 0..<n {
                if succeeded[i] {
                    upper[i] = min(upper[i], c[i])
                    c[i] = (lower[i] + upper[i]) / 2
                } else {
                    lower[i] = max(lower[i], c[i])
                    c[i] = upper[i] < 1e9 ? (lower[i] + upper[i]) / 2 : c[i] * 10
                }
            }
        }
        // Exact projection onto [0, 1] guards the tanh round trip's last ulp.
        return AttackIterates(x: best.map { min(max($0, 0), 1) }, step: firstHit.map { $0 ?? 0 }, trajectories: trajectories)
    }
}
