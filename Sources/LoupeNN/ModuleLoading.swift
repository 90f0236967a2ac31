import LoupeTensor

extension Module {
    /// Copies a checkpoint's tensors into this module's parameters and buffers.
    /// Every key must match by name and shape: missing, unexpected and mis-shaped keys
    /// are reported together, each naming the key (and both shapes). BatchNorm's
    /// `num_batches_tracked` counter is optional, since older checkpoints lack it.
    public func load(_ state: StateDict) throws {
        let entries = stateDict()
        try state.checkKeys(expected: entries.map { (key: $0.0, shape: $0.1.value.shape) },
                            ignoring: StateDict.isBookkeeping)
        for (key, p) in entries {
            guard let t = state[key] else { continue }
            let trainable = p.value.requiresGrad
            p.value = t.detached
            p.value.requiresGrad = trainable
        }
    }

    /// The module's parameters and buffers as a checkpoint.
    public func exportState() throws -> StateDict {
        try StateDict(stateDict().map { ($0.0, $0.1.value.detached) })
    }
}
