import LoupeTensor

/// The quantity an attack climbs, summed over the batch so each sample's gradient is
/// its own. Untargeted attacks raise the loss of the true class; targeted ones lower
/// the loss of the target, i.e. climb its negation.
enum AttackLoss {
    static func objective(_ logits: Tensor, labels: [Int], targets: [Int]?, kind: AttackConfig.Loss) throws -> Tensor {
        switch (kind, targets) {
        case (.ce, nil): return try logits.crossEntropy(labels: labels, reduction: .sum)
        case let (.ce, t?): return -(try logits.crossEntropy(labels: t, reduction: .sum))
        case (.margin, nil): return try margin(logits, of: labels).sum() * -1
        case let (.margin, t?): return try margin(logits, of: t).sum()
        }
    }

    /// Per sample: z[c] − max_{j≠c} z[j]; positive when class c wins.
    static func margin(_ logits: Tensor, of classes: [Int]) throws -> Tensor {
        let (n, k) = (logits.shape[0], logits.shape[1])
        var mask = [Float](repeating: 0, count: n * k)
        for (i, c) in classes.enumerated() { mask[i * k + c] = 1 }
        let oneHot = try Tensor(shape: [n, k], scalars: mask)
        let own = try (logits * oneHot).sum(axes: [1])
        // Push the class of interest far down so the max picks the best other class.
        let others = try (logits - oneHot * 1e9).max(axis: 1).values
        return try own - others
    }

    /// Per-sample loss values (no tape), for choosing the best restart.
    static func perSample(_ logits: Tensor, labels: [Int], targets: [Int]?, kind: AttackConfig.Loss) throws -> [Float] {
        try Autograd.noGrad {
            switch (kind, targets) {
            case (.ce, nil): return try logits.crossEntropy(labels: labels, reduction: .none).scalars
            case let (.ce, t?): return try logits.crossEntropy(labels: t, reduction: .none).scalars.map { -$0 }
            case (.margin, nil): return try margin(logits, of: labels).scalars.map { -$0 }
            case let (.margin, t?): return try margin(logits, of: t).scalars
            }
        }
    }
}
