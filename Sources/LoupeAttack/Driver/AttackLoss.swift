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
        case (.dlr, _): return try dlr(logits, labels: labels, targets: targets).sum()
        }
    }

    /// Classes a loss needs: DLR's denominator reads the third logit (the fourth when
    /// targeted); the others need two.
    static func minimumClasses(_ kind: AttackConfig.Loss, targeted: Bool) -> Int {
        kind == .dlr ? (targeted ? 4 : 3) : 2
    }

    /// Per sample, Croce & Hein (2020), with z sorted descending as z_π1 ≥ z_π2 ≥ …:
    /// untargeted −(z_y − max_{j≠y} z_j) / (z_π1 − z_π3), targeted
    /// −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2); each + 1e-12 below, as the reference code.
    /// Both rise as the attack succeeds. The order is read from the values and the
    /// gradient flows through the logits it picks, as through a sort.
    static func dlr(_ logits: Tensor, labels: [Int], targets: [Int]?) throws -> Tensor {
        let (n, k) = (logits.shape[0], logits.shape[1])
        let needed = minimumClasses(.dlr, targeted: targets != nil)
        guard k >= needed else {
            throw AttackError.invalid("the DLR loss needs at least \(needed) classes\(targets == nil ? "" : " when targeted"); this model has \(k): use ce or margin")
        }
        let z = logits.detached.scalars
        // Weights over the logits of each row: the denominator as Σ_j w_j z_j.
        var spread = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            let order = (0..<k).sorted { z[i * k + $0] > z[i * k + $1] || z[i * k + $0] == z[i * k + $1] && $0 < $1 }
            spread[i * k + order[0]] += 1
            if targets == nil {
                spread[i * k + order[2]] -= 1
            } else {
                spread[i * k + order[2]] -= 0.5
                spread[i * k + order[3]] -= 0.5
            }
        }
        let denominator = try (logits * Tensor(shape: [n, k], scalars: spread)).sum(axes: [1]) + 1e-12
        let numerator: Tensor
        if let targets {
            numerator = try pick(logits, labels) - pick(logits, targets)
        } else {
            numerator = try margin(logits, of: labels)
        }
        return try -(numerator / denominator)
    }

    /// Per sample z[c_i].
    private static func pick(_ logits: Tensor, _ classes: [Int]) throws -> Tensor {
        try (logits * oneHot(classes, like: logits)).sum(axes: [1])
    }

    /// [n, k] with a 1 at (i, classes[i]).
    private static func oneHot(_ classes: [Int], like logits: Tensor) throws -> Tensor {
        let (n, k) = (logits.shape[0], logits.shape[1])
        var mask = [Float](repeating: 0, count: n * k)
        for (i, c) in classes.enumerated() { mask[i * k + c] = 1 }
        return try Tensor(shape: [n, k], scalars: mask)
    }

    /// Per sample: z[c] − max_{j≠c} z[j]; positive when class c wins.
    static func margin(_ logits: Tensor, of classes: [Int]) throws -> Tensor {
        let oneHot = try oneHot(classes, like: logits)
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
            case (.dlr, _): return try dlr(logits, labels: labels, targets: targets).scalars
            }
        }
    }
}
