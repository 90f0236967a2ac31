import ArgumentParser

/// A labelled data set and how much of it to read, for the commands that go over one.
struct DataOptions: ParsableArguments {
    @Option(help: "fashion-mnist[:train|:test], a folder of IDX files, or an image folder (one subfolder per class).")
    var data = "fashion-mnist"

    @Option(help: "Only the first N images.")
    var limit: Int?

    @Option(help: "Images per batch (results do not depend on it).")
    var batchSize: Int?

    /// An older spelling of --batch-size, still accepted.
    @Option(name: .customLong("batch"), help: .hidden)
    var batch: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if batchSize != nil && batch != nil { throw ValidationError("give the batch size once, with --batch-size") }
        if let size = batchSize ?? batch, size < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    /// The batch size asked for, or the command's default.
    func batchSize(default fallback: Int) -> Int { batchSize ?? batch ?? fallback }
}
