/// `result.json` of `loupe attack`: the example, where its images are and how to rerun
/// it. `--json` prints the `brief` form.
public struct AttackResult: Codable, Sendable, Equatable {
    /// The run folder and its images, as paths they have once the run is finished.
    public struct Files: Codable, Sendable, Equatable {
        public var run, original, adversarial, perturbation: String
    }

    public var files: Files
    public var command: String
    public var example: AdversarialExample

    enum CodingKeys: String, CodingKey { case command }

    public init(files: Files, command: String, example: AdversarialExample) {
        (self.files, self.command, self.example) = (files, command, example)
    }

    // The files and the example share result.json's top level with the command.
    public init(from decoder: Decoder) throws {
        files = try Files(from: decoder)
        example = try AdversarialExample(from: decoder)
        command = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .command)
    }

    public func encode(to encoder: Encoder) throws {
        try files.encode(to: encoder)
        try example.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(command, forKey: .command)
    }

    public var brief: Brief { Brief(files: files, example: example) }

    /// What `--json` prints: the files, the classes before and after, and the verdict.
    public struct Brief: Encodable {
        let files: Files
        let example: AdversarialExample

        enum CodingKeys: String, CodingKey { case image, before, after, linf, l2, success }

        public func encode(to encoder: Encoder) throws {
            try files.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(example.image, forKey: .image)
            try c.encode(example.before, forKey: .before)
            try c.encode(example.after, forKey: .after)
            try c.encode(example.linf, forKey: .linf)
            try c.encode(example.l2, forKey: .l2)
            try c.encode(example.success, forKey: .success)
        }
    }
}
