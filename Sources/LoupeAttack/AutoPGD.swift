import Foundation
import LoupeNN
import LoupeTensor

/// Where APGD (Croce & Hein 2020, Algorithm 1) may halve its step size.
public enum APGDSchedule {
    /// Checkpoints w_j = ⌈p_j·N⌉ for p_0 = 0, p_1 = 0.22 and
    /// p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06), while p_j ≤ 1, without repeats.
    /// The p_j are kept in integer hundredths: in floating point 0.22·100 is
    /// 22.000000000000004, whose ceiling would move the first checkpoint to 23.
    /// (The reference code instead shrinks integer intervals, ⌊0.22N⌋, ⌊0.03N⌋, ⌊0.06N⌋,
    /// which agrees for N = 100 but not for e.g. N = 20.)
    public static func checkpoints(steps n: Int) -> [Int] {
        var p = [0, 22]
        while true {
            let j = p.count - 1
            let next = p[j] + max(p[j] - p[j - 1] - 3, 6)
            if next > 100 { break }
            p.append(next)
        }
        var w: [Int] = []
        for q in p {
            let v = (q * max(n, 0) + 99) / 100
            if w.last != v { w.append(v) }
        }
        return w
    }
}

/// One sample's APGD step size η and the counters its two halving conditions need.
public struct APGDStepSize: Sendable, Equatable {
    /// ρ: fewer than this fraction of loss increases between checkpoints means oscillation.
    public static let rho: Float = 0.75
    public private(set) var eta: Float
    private var lastLoss: Float
    private var increases = 0
    private var comparisons = 0
    private var bestAtLastCheckpoint: Float
    private var halvedAtLastCheckpoint = false

    /// η starts at 2ε (APGD's η^(0)); `startLoss` is f(x^(0)).
    public init(eta: Float, startLoss: Float) {
        (self.eta, lastLoss, bestAtLastCheckpoint) = (eta, startLoss, startLoss)
    }

    /// The loss of the next iterate, f(x^(k+1)), compared with f(x^(k)).
    public mutating func observe(_ loss: Float) {
        if loss > lastLoss { increases += 1 }
        comparisons += 1
        lastLoss = loss
    }

    /// At checkpoint w_j with the best loss so far f_max; true when η was halved, after
    /// which the caller restarts from x_max. Condition 1: the loss rose on fewer than
    /// ρ·(w_j − w_{j−1}) of the steps since the last checkpoint. Condition 2: η was not
    /// halved at the last checkpoint and f_max has not improved since. (As in the paper,
    /// condition 2 can hold at the first checkpoint, where the reference code skips it.)
    public mutating func checkpoint(bestLoss: Float) -> Bool {
        let oscillating = Float(increases) < Self.rho * Float(comparisons)
        let stalled = !halvedAtLastCheckpoint && !(bestLoss > bestAtLastCheckpoint)
        let halve = oscillating || stalled
        if halve { eta /= 2 }
        (halvedAtLastCheckpoint, bestAtLastCheckpoint, increases, comparisons) = (halve, bestLoss, 0, 0)
        return halve
    }
}

extension Attacker {
    /// APGD momentum: x^(k+1) = P(x^(k) + α(z − x^(k)) + (1 − α)(x^(k) − x^(k−1))).
    static let apgdMomentum: Float = 0.75

    /// APGD-CE (or with the margin loss): PGD whose step size starts at 2ε and halves per
    /// sample at checkpoints when progress stalls, restarting from the best point so far,
    /// with a heavy-ball momentum term. The result per sample is its best iterate: a
    /// success over a failure, else the higher loss.
    func runAPGD(_ images: Tensor, labels: [Int], targets: [Int]?, ids: [Int], recordTrajectory: Bool) throws -> AttackOutcome {
        let n = images.shape[0]
        let x0 = images.detached.scalars
        let d = x0.count / n
        let sampleShape = Array(images.shape.dropFirst())
        let threat = ThreatModel(norm: config.norm, eps: config.eps)
        let checkpoints = Set(APGDSchedule.checkpoints(steps: config.steps).dropFirst())
        func hits(_ i: Int, _ prediction: Int) -> Bool { targets.map { prediction == $0[i] } ?? (prediction != labels[i]) }

        var best = BestOverRestarts(x0, samples: n)
        var trajectories = [[AttackStep]](repeating: [], count: n)

        for restart in 0..<config.restarts {
            var x = x0
            if config.randomStart && config.eps > 0 {
                for i in 0..<n {
                    apgdStart(&x, origin: x0, sample: i * d..<(i + 1) * d, threat: threat,
                              stream: RandomStream(seed: config.seed, key: [UInt64(ids[i]), UInt64(restart)]))
                }
            }
            var previous = x, z = x
            var frozen = [Bool](repeating: false, count: n)
            var firstHit = [Int?](repeating: nil, count: n)
            var keptX = x
            var keptLoss = [Float](repeating: -.infinity, count: n)
            var keptSuccess = [Bool](repeating: false, count: n)
            // x_max, f_max and the gradient there, for restarts after a halving.
            var maxX = x
            var maxLoss = [Float](repeating: -.infinity, count: n)
            var maxGradient = [Float](repeating: 0, count: x.count)
            var control = [APGDStepSize](repeating: APGDStepSize(eta: 2 * config.eps, startLoss: 0), count: n)

            for step in 0...config.steps {
                let active = (0..<n).filter { !frozen[$0] }
                if active.isEmpty { break }
                let evaluateOnly = step == config.steps
                let round = try evaluate(x, samples: active, sampleShape: sampleShape, labels: labels, targets: targets,
                                         withGradient: !evaluateOnly, probabilities: recordTrajectory && restart == 0)
                let grad = round.gradient
                for (a, i) in active.enumerated() {
                    let loss = round.losses[a], hit = hits(i, round.predictions[a])
                    if step == 0 {
                        control[i] = APGDStepSize(eta: 2 * config.eps, startLoss: loss)
                    } else {
                        control[i].observe(loss)
                    }
                    if step == 0 || loss > maxLoss[i] {
                        for j in 0..<d { maxX[i * d + j] = x[i * d + j] }
                        if let grad { for j in 0..<d { maxGradient[i * d + j] = grad[a * d + j] } }
                        maxLoss[i] = loss
                    }
                    if hit && !keptSuccess[i] || hit == keptSuccess[i] && loss > keptLoss[i] {
                        for j in 0..<d { keptX[i * d + j] = x[i * d + j] }
                        (keptLoss[i], keptSuccess[i]) = (loss, hit)
                    }
                    if hit {
                        if firstHit[i] == nil { firstHit[i] = step }
                        if config.earlyStop { frozen[i] = true }
                    }
                    if let record = round.record(a, step: step, label: labels[i], target: targets?[i]) {
                        trajectories[i].append(record)
                    }
                }
                guard var g = grad, !evaluateOnly else { break }
                let momentum: Float = step == 0 ? 1 : Self.apgdMomentum
                for (a, i) in active.enumerated() where !frozen[i] {
                    let range = i * d..<(i + 1) * d
                    if checkpoints.contains(step) && control[i].checkpoint(bestLoss: maxLoss[i]) {
                        for j in 0..<d {
                            x[i * d + j] = maxX[i * d + j]
                            g[a * d + j] = maxGradient[i * d + j]
                        }
                    }
                    for j in range { z[j] = x[j] }
                    threat.step(&z, at: i * d, gradient: g, from: a * d, count: d, alpha: control[i].eta)
                    threat.project(&z, origin: x0, sample: range)
                    for j in range {
                        let next = x[j] + momentum * (z[j] - x[j]) + (1 - momentum) * (x[j] - previous[j])
                        previous[j] = x[j]
                        x[j] = next
                    }
                    threat.project(&x, origin: x0, sample: range)
                }
            }
            for i in 0..<n { best.offer(i, from: keptX, success: keptSuccess[i], loss: keptLoss[i], step: firstHit[i]) }
        }
        return try outcome(best.x, shape: images.shape, hits: hits, bestStep: best.step, trajectories: trajectories)
    }

    /// APGD's random start: uniform in the L∞ ball (as PGD); for L2 a Gaussian direction
    /// scaled to the sphere of radius ε (as the reference code), then clipped to [0, 1].
    private func apgdStart(_ x: inout [Float], origin x0: [Float], sample: Range<Int>, threat: ThreatModel, stream: RandomStream) {
        guard threat.norm == .l2 else {
            threat.randomStart(&x, origin: x0, sample: sample, stream: stream)
            return
        }
        var direction = [Float](repeating: 0, count: sample.count)
        var sq: Double = 0
        for k in direction.indices {
            direction[k] = stream.normal(at: UInt64(k))
            sq += Double(direction[k]) * Double(direction[k])
        }
        let scale = sq > 0 ? Float(Double(threat.eps) / sq.squareRoot()) : 0
        for (k, j) in sample.enumerated() { x[j] = x0[j] + scale * direction[k] }
        threat.project(&x, origin: x0, sample: sample)
    }
}
