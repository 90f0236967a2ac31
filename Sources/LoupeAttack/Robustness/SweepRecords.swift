import Foundation
import LoupeReport

/// What a robustness sweep was asked to do. Stored as `sweep.json` beside the records so
/// that `--resume` and `merge` can refuse records made under other settings.
public struct SweepSettings: Codable, Equatable, Sendable {
    public var model: String
    public var data: String
    /// Samples in the data set after `--limit`: the range the shards split.
    public var total: Int
    public var attacks: [AttackConfig.Method]
    public var norm: AttackConfig.Norm
    /// Ascending, without repeats.
    public var epsilons: [Float]
    /// Iterations of every iterative attack, unless `attackSteps` names its own.
    public var steps: Int
    /// Per-attack iterations (`--attacks pgd,apgd:100`); nil when every attack uses `steps`.
    public var attackSteps: [String: Int]?
    public var alpha: Float?
    public var restarts: Int
    public var seed: UInt64
    /// The loss the gradient attacks climb (CW keeps its margin); nil means cross-entropy,
    /// and keeps runs made before the option existed resumable.
    public var loss: AttackConfig.Loss?
    /// The query budget of score-based attacks (Square, also inside AutoAttack); nil means
    /// the default 5,000, and keeps older runs resumable.
    public var queries: Int?
    /// How many likely wrong classes APGD-T and FAB-T aim at; nil means the default 9.
    public var targetClasses: Int?
    /// Also run PGD L∞ at ε = 1 (the whole pixel cube) as a self-check.
    public var unboundedCheck: Bool
    public var shard: Shard?

    public init(model: String, data: String, total: Int, attacks: [AttackConfig.Method], norm: AttackConfig.Norm = .linf,
                epsilons: [Float], steps: Int = 20, alpha: Float? = nil, restarts: Int = 1, seed: UInt64 = 0,
                loss: AttackConfig.Loss? = nil, attackSteps: [AttackConfig.Method: Int] = [:], queries: Int? = nil,
                targetClasses: Int? = nil, unboundedCheck: Bool = true, shard: Shard? = nil) {
        (self.model, self.data, self.total, self.attacks, self.norm) = (model, data, total, attacks, norm)
        self.epsilons = Array(Set(epsilons)).sorted()
        (self.steps, self.alpha, self.restarts, self.seed) = (steps, alpha, restarts, seed)
        self.loss = loss == .ce ? nil : loss
        let named = attackSteps.filter { $0.key.fixedSteps == nil && $0.value != steps }
        self.attackSteps = named.isEmpty ? nil : Dictionary(uniqueKeysWithValues: named.map { ($0.key.rawValue, $0.value) })
        let defaults = AttackConfig(method: .square, eps: 0)
        self.queries = queries == defaults.queries ? nil : queries
        self.targetClasses = targetClasses == defaults.targetClasses ? nil : targetClasses
        (self.unboundedCheck, self.shard) = (unboundedCheck, shard)
    }

    /// Iterations of `method`: its fixed count (FGSM's one), its own count if it has one,
    /// else `steps`.
    public func steps(for method: AttackConfig.Method) -> Int {
        method.fixedSteps ?? attackSteps?[method.rawValue] ?? steps
    }

    /// The norm `method` runs under: the sweep's, unless the method is defined for
    /// another only (FGSM and MI-FGSM are L∞ attacks, CW an L2 one).
    public func norm(for method: AttackConfig.Method) -> AttackConfig.Norm {
        method.norms.contains(norm) ? norm : method.norms[0]
    }

    /// The attack configuration for `method` at budget `eps`.
    public func config(_ method: AttackConfig.Method, eps: Float) -> AttackConfig {
        // A method that picks its own step size (APGD) ignores the sweep's α rather than failing.
        var c = AttackConfig(method: method, norm: norm(for: method), eps: eps,
                             alpha: method.refusesAlpha == nil ? alpha : nil,
                             steps: steps(for: method))
        c.restarts = method.restartable ? restarts : 1
        if let loss, method.fixedLoss == nil { c.loss = loss }
        if let queries { c.queries = queries }
        if let targetClasses { c.targetClasses = targetClasses }
        c.seed = seed
        c.earlyStop = true
        return c
    }

    /// The ε = 1 PGD L∞ self-check: α = 2.5/steps so the whole cube is reachable.
    public var unboundedConfig: AttackConfig {
        var c = AttackConfig(method: .pgd, norm: .linf, eps: 1, steps: max(steps, 20))
        c.seed = seed
        return c
    }

    /// The sample ids this run covers.
    public var ids: Range<Int> { shard?.slice(of: total) ?? 0..<total }

    /// Bounds that keep a sweep (and a `sweep.json` read back) within what one machine can
    /// run: the sample range, step curves and restarts are all iterated or allocated whole.
    public static let maxTotal = 1_000_000_000
    public static let maxSteps = 1_000_000
    public static let maxRestarts = 10_000
    public static let maxTargetClasses = 10_000

    public func validate() throws {
        func bad(_ why: String) -> AttackError { .invalid(why) }
        guard !attacks.isEmpty else { throw bad("--attacks lists no attack") }
        guard !epsilons.isEmpty else { throw bad("--eps lists no budget") }
        for e in epsilons where !(e.isFinite && e >= 0) { throw bad("eps \(e): each budget must be a finite number ≥ 0") }
        guard total >= 0 else { throw bad("total \(total): a sample count cannot be negative") }
        guard total > 0 else { throw bad("\(data) holds no samples") }
        guard total <= Self.maxTotal else { throw bad("total \(total): a sweep covers at most \(Self.maxTotal) samples") }
        let stepCounts = [("steps", steps)] + (attackSteps ?? [:]).sorted { $0.key < $1.key }.map { ("\($0.key) steps", $0.value) }
        for (name, n) in stepCounts where !(1...Self.maxSteps).contains(n) {
            throw bad("\(name) \(n): need 1…\(Self.maxSteps)")
        }
        guard (1...Self.maxRestarts).contains(restarts) else { throw bad("restarts \(restarts): need 1…\(Self.maxRestarts)") }
        if let queries, !(1...Self.maxSteps).contains(queries) { throw bad("queries \(queries): need 1…\(Self.maxSteps)") }
        if let targetClasses, !(1...Self.maxTargetClasses).contains(targetClasses) {
            throw bad("target classes \(targetClasses): need 1…\(Self.maxTargetClasses)")
        }
        if let shard {
            // A decoded shard bypasses Shard.init's check.
            _ = try Shard(index: shard.index, count: shard.count)
        }
        for m in attacks { for e in epsilons { try config(m, eps: e).validate() } }
    }

    /// Equal apart from the shard: records from these settings may be merged.
    public func mergeable(with other: SweepSettings) -> Bool {
        var a = self, b = other
        (a.shard, b.shard) = (nil, nil)
        return a == b
    }
}

/// `i/n`: the i-th (0-based) of n contiguous slices of the samples. Contiguous slices keep
/// each shard's reads local; any slicing works because every sample's result depends
/// only on the sample, its id and the seed.
public struct Shard: Codable, Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw AttackError.invalid("--shard \(index)/\(count): need 0 ≤ i < n (shards are numbered from 0, as Slurm array and Kubernetes Indexed Job indices are)")
        }
        (self.index, self.count) = (index, count)
    }

    /// Parses "i/n".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw AttackError.invalid("--shard '\(text)': write i/n, e.g. 0/4")
        }
        try self.init(index: i, count: n)
    }

    /// Samples ⌊total·i/n⌋ ..< ⌊total·(i+1)/n⌋, with the products taken at double width so
    /// that no i/n a user can type overflows (the quotients are at most `total`).
    public func slice(of total: Int) -> Range<Int> {
        func bound(_ i: Int) -> Int { count.dividingFullWidth(max(total, 0).multipliedFullWidth(by: i)).quotient }
        return bound(index)..<bound(index + 1)
    }
    public var description: String { "\(index)/\(count)" }
}

/// One attack's results on one sample, one entry per ε of the sweep (ascending).
public struct AttackRecord: Codable, Equatable, Sendable {
    /// Prediction on the adversarial image. A sample skipped by the cascade keeps the
    /// prediction of the smaller ε that broke it.
    public var predictions: [Int]
    /// Whether the attack actually ran at that ε (false: skipped by the cascade).
    public var attacked: [Bool]
    /// Perturbation norms (carried over like the predictions when skipped).
    public var linf: [Float]
    public var l2: [Float]
    /// First step at which the iterate was misclassified, when it was.
    public var step: [Int?]
    /// For a cascade (AutoAttack), the member that broke the sample ("apgd-t"; nil: none),
    /// carried like the predictions; absent for single attacks.
    public var brokenBy: [String?]?
    /// For an attack that spends model queries (Square, AutoAttack's Square), the queries
    /// spent at that ε (0 where the budget cascade skipped it); absent for the others.
    public var queries: [Int]?
    /// The smallest ε that broke the sample (nil: none did).
    public var brokenAt: Float?
    /// Worst excursion outside [0, 1] over all budgets, and any NaN/∞ seen.
    public var outOfRange: Float
    public var nonFinite: Bool

    public init(predictions: [Int], attacked: [Bool], linf: [Float], l2: [Float], step: [Int?], brokenAt: Float?,
                outOfRange: Float, nonFinite: Bool, brokenBy: [String?]? = nil, queries: [Int]? = nil) {
        (self.predictions, self.attacked, self.linf, self.l2, self.step) = (predictions, attacked, linf, l2, step)
        (self.brokenAt, self.outOfRange, self.nonFinite) = (brokenAt, outOfRange, nonFinite)
        (self.brokenBy, self.queries) = (brokenBy, queries)
    }
}

/// Everything a sweep learned about one sample: a line of `records.jsonl`.
public struct SampleRecord: Codable, Equatable, Sendable {
    public var id: Int
    public var label: Int
    public var clean: Int
    public var attacks: [String: AttackRecord]
    /// Prediction under the ε = 1 self-check (nil when the check was off or the sample was
    /// already misclassified clean).
    public var unbounded: Int?
    /// What probing the model at this sample showed (absent in records made before the probe).
    public var probe: ModelProbe?

    public init(id: Int, label: Int, clean: Int, attacks: [String: AttackRecord], unbounded: Int?, probe: ModelProbe? = nil) {
        (self.id, self.label, self.clean, self.attacks, self.unbounded, self.probe) = (id, label, clean, attacks, unbounded, probe)
    }

    /// Why this record cannot come from a sweep under `settings`, or nil if it can: the
    /// summary indexes every attack's arrays by ε, so each must hold one entry per budget.
    func problem(under settings: SweepSettings) -> String? {
        let ids = settings.ids
        guard ids.contains(id) else { return "sample \(id) lies outside this run's samples \(ids)" }
        let n = settings.epsilons.count
        for method in settings.attacks {
            guard let a = attacks[method.rawValue] else { return "sample \(id) has no \(method.rawValue) result" }
            for (field, count) in [("predictions", a.predictions.count), ("attacked", a.attacked.count),
                                   ("linf", a.linf.count), ("l2", a.l2.count), ("step", a.step.count),
                                   ("broken_by", a.brokenBy?.count ?? n), ("queries", a.queries?.count ?? n)] where count != n {
                return "sample \(id): \(method.rawValue) \(field) holds \(count) entries, not one per ε (\(n))"
            }
            let members = Set(method.members.map(\.name))
            if let unknown = a.brokenBy?.compactMap({ $0 }).first(where: { !members.contains($0) }) {
                return "sample \(id): \(method.rawValue) names \(unknown), which is not one of its attacks"
            }
            if let bad = a.queries?.first(where: { $0 < 0 }) { return "sample \(id): \(method.rawValue) spent \(bad) queries" }
        }
        return nil
    }
}

/// `records.jsonl`: appended one batch at a time and flushed to disk, so a run killed
/// at any moment loses at most the batch in flight.
public enum RecordsFile {
    public static let name = "records.jsonl"

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }()

    /// Reads the complete records in `url` (none when there is no file), each checked
    /// against the `settings` of its folder.
    public static func read(_ url: URL, settings: SweepSettings) throws -> [SampleRecord] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw AttackError.invalid("\(url.path): cannot read: \(error.localizedDescription)") }
        return try parse(data, path: url.path, settings: settings).records
    }

    /// Reads the records of a run folder. A last line cut short by a kill is ignored and
    /// cut off the file, so appending continues on a clean line.
    public static func read(in folder: RunFolder, settings: SweepSettings) throws -> [SampleRecord] {
        guard let data = folder.read(name) else { return [] }
        let (records, goodEnd) = try parse(data, path: folder.file(name).path, settings: settings)
        if goodEnd < data.count { try folder.truncate(name, to: goodEnd) }
        return records
    }

    /// The records of every whole line, and where the last whole line ends. Each record
    /// must fit `settings`, and no sample may appear twice: a sweep writes each once, so a
    /// repeat means a damaged or hand-edited file and would be counted twice.
    static func parse(_ data: Data, path: String, settings: SweepSettings) throws -> (records: [SampleRecord], goodEnd: Int) {
        var records: [SampleRecord] = []
        var lineOf: [Int: Int] = [:]
        var goodEnd = 0, lineStart = 0, lineNumber = 0
        let bytes = [UInt8](data)
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
            lineNumber += 1
            let line = Data(bytes[lineStart..<i])
            lineStart = i + 1
            if line.isEmpty { goodEnd = lineStart; continue }
            let record: SampleRecord
            do {
                record = try decoder.decode(SampleRecord.self, from: line)
            } catch {
                throw AttackError.invalid("\(path):\(lineNumber): not a sample record (\(error)); the file is damaged")
            }
            if let why = record.problem(under: settings) {
                throw AttackError.invalid("\(path):\(lineNumber): \(why); the file is damaged")
            }
            if let first = lineOf[record.id] {
                throw AttackError.invalid("\(path):\(lineNumber): sample \(record.id) again (first on line \(first)); the file is damaged")
            }
            lineOf[record.id] = lineNumber
            records.append(record)
            goodEnd = lineStart
        }
        return (records, goodEnd)
    }

    /// Appends `records` as whole lines and forces them to disk.
    public static func append(_ records: [SampleRecord], to folder: RunFolder) throws {
        try folder.append(try lines(records), to: name)
    }

    /// Writes all records at once (merge).
    public static func write(_ records: [SampleRecord], to folder: RunFolder) throws {
        try folder.write(try lines(records), to: name)
    }

    static func lines(_ records: [SampleRecord]) throws -> Data {
        var data = Data()
        for r in records {
            data.append(try encoder.encode(r))
            data.append(UInt8(ascii: "\n"))
        }
        return data
    }
}

extension RobustnessSummary {
    /// The summary of a finished sweep from the bytes of its `sweep.json` and
    /// `records.jsonl`, each checked as `--resume` and `merge` check them. This is the path
    /// hostile folder files take; the fuzz target (Fuzz/Sources/FuzzSweepRecords) drives it.
    public init(sweepFile: Data, recordsFile: Data) throws {
        let settings = try SweepSettings.decode(sweepFile, path: SweepSettings.fileName)
        let records = try RecordsFile.parse(recordsFile, path: RecordsFile.name, settings: settings).records
        // Every record lies in the folder's range of ids and none repeats, so a full count is a full cover.
        guard records.count == settings.ids.count else {
            throw AttackError.invalid("\(RecordsFile.name): \(records.count) of \(settings.ids.count) samples; the sweep is unfinished")
        }
        try self.init(settings: settings, records: records)
    }
}
