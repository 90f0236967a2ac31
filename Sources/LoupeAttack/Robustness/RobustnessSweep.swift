import Foundation
import LoupeReport
import LoupeData
import LoupeNN
import LoupeTensor

/// Runs every attack at every budget over a data set, one batch at a time, appending
/// each batch's per-sample records to `records.jsonl` in the run folder. Each sample's
/// result depends only on the sample, its id and the seed, so any batch size, shard
/// split or resume point gives the same records.
///
/// Per attack the budgets form a cascade: a sample broken at a smaller ε is not attacked
/// again at a larger one; its prediction there is the one that broke it (a larger ball
/// contains the smaller one, so that adversarial image is still admissible).
public struct RobustnessSweep {
    public let model: Model
    public let data: LabeledImages
    public let settings: SweepSettings
    public var batchSize = 128

    public init(model: Model, data: LabeledImages, settings: SweepSettings) throws {
        try settings.validate()
        guard data.channels == model.preset.channels, data.height == model.preset.inputSize, data.width == model.preset.inputSize else {
            throw AttackError.invalid("\(data.source) holds \(data.channels)×\(data.height)×\(data.width) images but \(model.name) expects \(model.preset.channels)×\(model.preset.inputSize)×\(model.preset.inputSize)")
        }
        guard settings.total <= data.count else {
            throw AttackError.invalid("the sweep covers \(settings.total) samples but \(data.source) holds \(data.count)")
        }
        (self.model, self.data, self.settings) = (model, data, settings)
    }

    public static func recordsURL(in folder: URL) -> URL { folder.appendingPathComponent(RecordsFile.name) }
    public static func settingsURL(in folder: URL) -> URL { folder.appendingPathComponent(SweepSettings.fileName) }

    /// Runs (or, with `resume`, finishes) the sweep into the folder at `url`.
    public func run(
        into url: URL, resume: Bool, progress: (Int, Int) -> Void = { _, _ in },
        afterBatch: (Int) throws -> Void = { _ in }
    ) throws -> [SampleRecord] {
        try run(into: try RunFolder(resumable: url), resume: resume, progress: progress, afterBatch: afterBatch)
    }

    /// Runs (or, with `resume`, finishes) the sweep into `folder`. `progress(done, total)`
    /// is called after each batch; `afterBatch` lets tests interrupt a run. Returns all
    /// records of this run's slice, in id order.
    public func run(
        into folder: RunFolder, resume: Bool, progress: (Int, Int) -> Void = { _, _ in },
        afterBatch: (Int) throws -> Void = { _ in }
    ) throws -> [SampleRecord] {
        var done: [SampleRecord] = []
        if folder.exists(SweepSettings.fileName) {
            guard resume else {
                throw AttackError.invalid("\(folder.url.path) already holds a sweep: add --resume to finish it, or choose another --out")
            }
            let previous = try SweepSettings.read(in: folder)
            guard previous == settings else {
                throw AttackError.invalid("\(folder.file(SweepSettings.fileName).path) was written with other settings (\(Self.describeDifference(previous, settings))); --resume needs the same command")
            }
            done = try RecordsFile.read(in: folder, settings: settings)
        } else {
            folder.remove(RecordsFile.name)
            try settings.write(to: folder)
        }
        let finished = Set(done.map(\.id))
        let ids = settings.ids
        let todo = ids.filter { !finished.contains($0) }
        var all = done
        progress(finished.count, ids.count)
        var start = 0, batchIndex = 0
        while start < todo.count {
            let chunk = Array(todo[start..<min(start + batchSize, todo.count)])
            let records = try attackBatch(chunk)
            try RecordsFile.append(records, to: folder)
            all += records
            start += chunk.count
            progress(finished.count + start, ids.count)
            try afterBatch(batchIndex)
            batchIndex += 1
        }
        return all.sorted { $0.id < $1.id }
    }

    /// Clean predictions, every attack at every budget, and the ε = 1 check for one batch.
    public func attackBatch(_ ids: [Int]) throws -> [SampleRecord] {
        let (images, labels) = try data.batch(ids)
        let n = ids.count, d = images.count / max(n, 1)
        let logits = try model.logits(images)
        let clean = try logits.argmax()
        let probes = try ModelProbe.probe(model, images: images, labels: labels, logits: logits)
        var records = (0..<n).map {
            SampleRecord(id: ids[$0], label: labels[$0], clean: clean[$0], attacks: [:], unbounded: nil, probe: probes[$0])
        }
        let x0 = images.scalars
        let eps = settings.epsilons
        for method in settings.attacks {
            let cascade = !method.members.isEmpty
            let spendsQueries = method.blackBox || method.members.contains { $0.method.blackBox }
            var rec = (0..<n).map { _ in
                AttackRecord(predictions: [], attacked: [], linf: [], l2: [], step: [], brokenAt: nil, outOfRange: 0, nonFinite: false,
                             brokenBy: cascade ? [] : nil, queries: spendsQueries ? [] : nil)
            }
            for (e, budget) in eps.enumerated() {
                let todo = (0..<n).filter { rec[$0].brokenAt == nil }
                var outcome: AttackOutcome?
                var stats: [Perturbation.Stats] = []
                if !todo.isEmpty {
                    let sub = try gather(x0, rows: todo, d: d, shape: images.shape)
                    let attacker = try Attacker(model: model, config: settings.config(method, eps: budget))
                    let result = try attacker.run(sub, labels: todo.map { labels[$0] }, sampleIDs: todo.map { ids[$0] })
                    stats = try Perturbation.stats(result.adversarial, origin: sub)
                    outcome = result
                }
                var slot = 0
                for i in 0..<n {
                    if let outcome, slot < todo.count, todo[slot] == i {
                        let s = stats[slot]
                        let broken = outcome.predictions[slot] != labels[i]
                        rec[i].predictions.append(outcome.predictions[slot])
                        rec[i].attacked.append(true)
                        rec[i].linf.append(s.linf)
                        rec[i].l2.append(s.l2)
                        rec[i].step.append(broken ? outcome.successStep[slot] : nil)
                        rec[i].brokenBy?.append(broken ? outcome.brokenBy[slot] : nil)
                        rec[i].queries?.append(outcome.queries[slot])
                        rec[i].outOfRange = max(rec[i].outOfRange, s.outOfRange)
                        rec[i].nonFinite = rec[i].nonFinite || s.nonFinite
                        if broken { rec[i].brokenAt = budget }
                        slot += 1
                    } else {
                        // Skipped by the cascade: carry the breaking result forward.
                        rec[i].predictions.append(rec[i].predictions[e - 1])
                        rec[i].attacked.append(false)
                        rec[i].linf.append(rec[i].linf[e - 1])
                        rec[i].l2.append(rec[i].l2[e - 1])
                        rec[i].step.append(rec[i].step[e - 1])
                        let carried = rec[i].brokenBy?[e - 1] ?? nil
                        rec[i].brokenBy?.append(carried)
                        rec[i].queries?.append(0)
                    }
                }
            }
            for i in 0..<n { records[i].attacks[method.rawValue] = rec[i] }
        }
        if settings.unboundedCheck {
            let todo = (0..<n).filter { clean[$0] == labels[$0] }
            if !todo.isEmpty {
                let sub = try gather(x0, rows: todo, d: d, shape: images.shape)
                let result = try Attacker(model: model, config: settings.unboundedConfig)
                    .run(sub, labels: todo.map { labels[$0] }, sampleIDs: todo.map { ids[$0] })
                for (slot, i) in todo.enumerated() { records[i].unbounded = result.predictions[slot] }
            }
        }
        return records
    }

    private func gather(_ x: [Float], rows: [Int], d: Int, shape: [Int]) throws -> Tensor {
        var out = [Float](repeating: 0, count: rows.count * d)
        for (r, i) in rows.enumerated() { for j in 0..<d { out[r * d + j] = x[i * d + j] } }
        return try Tensor(shape: [rows.count] + shape.dropFirst(), scalars: out)
    }

    public static func readSettings(_ url: URL) throws -> SweepSettings {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw AttackError.invalid("\(url.path): not found (is this a robustness run folder?)")
        }
        return try SweepSettings.decode(data, path: url.path)
    }

    static func describeDifference(_ a: SweepSettings, _ b: SweepSettings) -> String {
        var diffs: [String] = []
        if a.model != b.model { diffs.append("model \(a.model) vs \(b.model)") }
        if a.data != b.data || a.total != b.total { diffs.append("data \(a.data) (\(a.total)) vs \(b.data) (\(b.total))") }
        if a.attacks != b.attacks || a.norm != b.norm { diffs.append("attacks") }
        if a.epsilons != b.epsilons { diffs.append("eps \(a.epsilons) vs \(b.epsilons)") }
        if a.steps != b.steps || a.attackSteps != b.attackSteps || a.alpha != b.alpha || a.restarts != b.restarts {
            diffs.append("steps/alpha/restarts")
        }
        if a.loss != b.loss { diffs.append("loss \((a.loss ?? .ce).rawValue) vs \((b.loss ?? .ce).rawValue)") }
        if a.queries != b.queries || a.targetClasses != b.targetClasses { diffs.append("queries/target classes") }
        if a.seed != b.seed { diffs.append("seed \(a.seed) vs \(b.seed)") }
        if a.shard != b.shard { diffs.append("shard \(a.shard?.description ?? "none") vs \(b.shard?.description ?? "none")") }
        if a.unboundedCheck != b.unboundedCheck { diffs.append("unbounded check") }
        return diffs.joined(separator: ", ")
    }

    /// Combines the records of shard folders into one list covering every sample once.
    public static func merge(_ folders: [URL]) throws -> (settings: SweepSettings, records: [SampleRecord]) {
        guard let first = folders.first else { throw AttackError.invalid("merge needs at least one run folder") }
        var settings = try readSettings(settingsURL(in: first))
        var byID: [Int: (SampleRecord, String)] = [:]
        for folder in folders {
            let s = try readSettings(settingsURL(in: folder))
            guard s.mergeable(with: settings) else {
                throw AttackError.invalid("\(folder.path) was run with other settings than \(first.path) (\(describeDifference(s, settings)))")
            }
            for r in try RecordsFile.read(recordsURL(in: folder), settings: s) {
                if let (other, where_) = byID[r.id] {
                    guard other == r else {
                        throw AttackError.invalid("sample \(r.id) differs between \(where_) and \(folder.path): shards of different runs?")
                    }
                    continue
                }
                byID[r.id] = (r, folder.path)
            }
        }
        settings.shard = nil
        // Every id read lies in 0..<total (each record was checked against its shard), so
        // counting needs no list of the missing ones, which could be a billion long.
        if byID.count < settings.total, let firstMissing = settings.ids.first(where: { byID[$0] == nil }) {
            throw AttackError.invalid("the folders cover \(byID.count) of \(settings.total) samples; \(settings.total - byID.count) missing, first \(firstMissing): a shard is missing or unfinished (rerun it with --resume)")
        }
        return (settings, byID.keys.sorted().compactMap { byID[$0]?.0 })
    }
}
