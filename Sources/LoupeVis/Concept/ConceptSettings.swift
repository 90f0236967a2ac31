/// What `loupe concept` tests: whether the concepts drive CLASS at LAYER (TCAV, Kim et al.
/// 2018), against which random sets, over which class images.
public struct ConceptSettings: Codable, Sendable, Equatable {
    /// Each a folder of images or `synthetic:PATTERN` (stripes, dots, checkerboard, zigzag).
    public var concepts: [String] = []
    /// Folders of random images, one set each, or `synthetic` for `randomSets` sets of noise.
    public var random: [String] = ["synthetic"]
    public var randomSets = 10
    /// Images per concept and random set (a folder's first ones, by name).
    public var setSize = 50
    /// The class, by name or index.
    public var className = ""
    public var layer = ""
    /// Where the class's images come from: a labelled data set (its images of the class) or
    /// photos (all of them); nil picks fashion-mnist:test for 1-channel models, else photos.
    public var data: String?
    /// At most this many class images.
    public var limit = 100
    /// λ of the CAV classifiers' penalty (logistic regression on standardized activations).
    public var l2 = 1e-2
    /// Significance level of the t-test, before the Bonferroni division by the number of concepts.
    public var alpha = 0.05
    public var seed: UInt64 = 0
    public var batchSize = 32

    public init() {}

    public func validate() throws {
        if concepts.isEmpty { throw VisError.invalid("give at least one --concept (a folder of images or synthetic:stripes|dots|checkerboard|zigzag)") }
        for c in concepts where c.lowercased().hasPrefix("synthetic:") {
            let name = String(c.dropFirst("synthetic:".count)).lowercased()
            guard ConceptPattern(rawValue: name) != nil else {
                throw VisError.invalid("unknown synthetic concept '\(name)': use " + ConceptPattern.allCases.map { "synthetic:\($0.rawValue)" }.joined(separator: ", "))
            }
        }
        if random.isEmpty { throw VisError.invalid("give --random synthetic or at least two folders of random images") }
        let synthetic = random.map { $0.lowercased() }.contains("synthetic")
        if synthetic && random.count > 1 { throw VisError.invalid("--random synthetic stands alone; or give folders only") }
        if synthetic && (randomSets < 2 || randomSets > 500) { throw VisError.invalid("--random-sets must be between 2 and 500 (10 or more for a meaningful test)") }
        if !synthetic && random.count < 2 { throw VisError.invalid("give at least two --random folders (10 or more for a meaningful test)") }
        if setSize < 4 || setSize > 5000 { throw VisError.invalid("--set-size must be between 4 and 5000") }
        if className.isEmpty { throw VisError.invalid("give a --class (a name or index of the model's classes)") }
        if layer.isEmpty { throw VisError.invalid("give a --layer (see `loupe layers MODEL`)") }
        if limit < 2 { throw VisError.invalid("--limit must be at least 2") }
        if !(l2 >= 0 && l2 <= 1e6) { throw VisError.invalid("--l2 must be between 0 and 1e6") }
        if !(alpha > 0 && alpha < 1) { throw VisError.invalid("--alpha must be in (0, 1)") }
        if batchSize < 1 { throw VisError.invalid("--batch-size must be at least 1") }
    }

    /// How many random sets a run draws.
    public var randomSetCount: Int { random.map { $0.lowercased() } == ["synthetic"] ? randomSets : random.count }
}
