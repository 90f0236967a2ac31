import Foundation
import LoupeNN
import LoupeTensor

/// Carlini & Wagner's L2 attack: minimize ‖x' − x‖² + c·max(margin, −κ) over
/// x' = (tanh(w) + 1)/2, which keeps pixels in [0, 1] without clipping, with Adam;
/// a per-sample binary search over c finds the smallest perturbation that succeeds.
/// `eps`, when positive, caps the returned perturbation's L2 norm (a budgeted CW).
struct CarliniWagner {
    let model: Model
    let config: AttackConfig
    let kappa: Float = 0
    let learningRate: Float = 0.01

    func run(_ images: Tensor, labels: [Int], targets: [Int]?, recordTrajectory: Bool) throws -> AttackOutcome {
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
                    let hit = targets.map { preds[i] == $0[i] } ?? (preds[i] != labels[i])
                    guard hit else { continue }
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
        let clipped = best.map { min(max($0, 0), 1) }
        let adversarial = try Tensor(shape: images.shape, scalars: clipped)
        let predictions = try model.logits(adversarial).argmax()
        let success = (0..<n).map { i in targets.map { predictions[i] == $0[i] } ?? (predictions[i] != labels[i]) }
        return AttackOutcome(adversarial: adversarial, success: success, predictions: predictions,
                             successStep: (0..<n).map { success[$0] ? firstHit[$0] ?? 0 : nil }, trajectories: trajectories)
    }
}
