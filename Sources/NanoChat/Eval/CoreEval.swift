import Foundation

public struct CoreTaskResult: Sendable {
    public let label: String
    public let kind: CoreTask.Kind
    public let numFewshot: Int
    public let examples: Int
    public let accuracy: Double
    public let centered: Double
    public let seconds: Double
}

public struct CoreResult: Sendable {
    public let tasks: [CoreTaskResult]
    public let skipped: [(label: String, reason: String)]
    /// How many tasks core.yaml declares (22 for nanochat's bundle).
    public let declaredCount: Int
    /// Mean of the centered accuracies over the evaluated tasks (nanochat: over all 22).
    public var core: Double { tasks.isEmpty ? .nan : tasks.map(\.centered).reduce(0, +) / Double(tasks.count) }

    /// `CORE metric: 0.1234`, plus over how many of the declared tasks it was averaged when some are missing.
    public var coreLine: String {
        var s = String(format: "CORE metric: %.4f", core)
        if !skipped.isEmpty {
            s += " (averaged over \(tasks.count) of \(declaredCount) tasks; skipped: \(skipped.map(\.label).joined(separator: ", ")))"
        }
        return s
    }

    /// nanochat's base_eval CSV: `{:<35}, {:<10}, {:<10}` header, one line per task, final CORE line.
    public var csv: String {
        var s = "\(pad("Task", 35)), \(pad("Accuracy", 10)), \(pad("Centered", 10))\n"
        for t in tasks {
            s += "\(pad(t.label, 35)), \(pad(String(format: "%.6f", t.accuracy), 10)), \(pad(String(format: "%.6f", t.centered), 10))\n"
        }
        s += "\(pad("CORE", 35)), \(pad("", 10)), \(pad(String(format: "%.6f", core), 10))\n"
        return s
    }

    /// Writes `$NANOCHAT_BASE_DIR/base_eval/base_model_{step:06d}.csv` atomically; returns the path.
    @discardableResult
    public func writeCSV(step: Int, dir: String = Paths.baseEvalDir) throws -> String {
        try Paths.ensureDir(dir)
        let path = Paths.join(dir, String(format: "base_model_%06d.csv", step))
        try atomicWrite(Data(csv.utf8), to: path)
        return path
    }
}

/// Python's `f"{s:<w}"` (pads by code points).
func pad(_ s: String, _ w: Int) -> String {
    let n = s.unicodeScalars.count
    return n >= w ? s : s + String(repeating: " ", count: w - n)
}

/// The CORE benchmark (nanochat/core_eval.py): every task of a bundle, examples spread over MPI ranks (idx % W),
/// rendering and tokenization spread over threads, forwards run one example at a time (the model uses all cores).
public enum CoreEval {
    /// Is the example answered correctly? One forward of the example's rows, right-padded with BOS.
    public static func isCorrect(_ p: CorePrepared, kind: CoreTask.Kind, model: LanguageModel, bosId: Int32) -> Bool {
        let B = p.rows.count
        let T = p.rows.map(\.count).max() ?? 0
        var inputs = [Int32](repeating: bosId, count: B * T)
        var targets = [Int32](repeating: -1, count: B * T)
        for (r, row) in p.rows.enumerated() {
            for t in 0..<row.count {
                inputs[r * T + t] = row[t]
                if t + 1 < row.count { targets[r * T + t] = row[t + 1] }
            }
        }
        let (loss, argmax) = model.lossAndArgmax(inputs: inputs, targets: targets, B: B, T: T)
        switch kind {
        case .languageModeling:
            // greedy exact match of the continuation
            for t in (p.starts[0] - 1)..<(p.ends[0] - 1) where argmax[t] != p.rows[0][t + 1] { return false }
            return true
        case .multipleChoice, .schema:
            var means = [Double](repeating: .nan, count: B)
            for r in 0..<B {
                let lo = p.starts[r] - 1, hi = p.ends[r] - 1
                guard hi > lo else { continue } // empty span: torch's mean is NaN
                var s = 0.0
                for t in lo..<hi { s += Double(loss[r * T + t]) }
                means[r] = Double(Float(s / Double(hi - lo)))
            }
            return firstMinIndex(means) == p.gold
        }
    }

    /// Python's `values.index(min(values))`: min keeps the first element unless a later one is strictly
    /// smaller, so a leading NaN wins and NaNs elsewhere are never picked.
    public static func firstMinIndex(_ v: [Double]) -> Int {
        var best = 0
        for i in 1..<max(1, v.count) where v[i] < v[best] { best = i }
        return best
    }

    /// Accuracy of one task over its (shuffled, truncated) data; the count of examples is returned too.
    /// `onExample` runs after each example this rank scores (for progress).
    public static func evaluateTask(_ task: CoreTask, data: [CoreItem], model: LanguageModel, tokenizer: TextTokenizer,
                                    dist: Distributed, onExample: () -> Void = {}) throws -> (accuracy: Double, examples: Int) {
        let mine = Array(stride(from: dist.rank, to: data.count, by: dist.worldSize))
        var correct = 0
        // prepare a chunk of examples in parallel, then score it serially
        let chunk = max(8, 4 * Threads.count)
        var at = 0
        while at < mine.count {
            let ids = Array(mine[at..<min(mine.count, at + chunk)])
            at += ids.count
            var prepared = [CorePrepared?](repeating: nil, count: ids.count)
            var firstError: Error? = nil
            let lock = NSLock()
            prepared.withUnsafeMutableBufferPointer { out in
                Threads.parallelFor(ids.count) { range in
                    for i in range {
                        do { out[i] = try CoreRender.prepare(task, data: data, idx: ids[i], tokenizer: tokenizer) }
                        catch { lock.lock(); if firstError == nil { firstError = error }; lock.unlock() }
                    }
                }
            }
            if let e = firstError { throw e }
            let maxT = model.config.rotaryLimit
            for (i, p) in prepared.enumerated() {
                let T = p!.rows.map(\.count).max() ?? 0
                if T > maxT {
                    throw NanoChatError("\(task.label): example \(ids[i]) has \(T) tokens, more than the model's 10·sequence_len = \(maxT)")
                }
                if isCorrect(p!, kind: task.kind, model: model, bosId: tokenizer.bosId) { correct += 1 }
                onExample()
            }
        }
        var sums = [Double(correct), Double(mine.count)]
        sums.withUnsafeMutableBufferPointer { dist.allReduceSum($0) }
        return (sums[1] > 0 ? sums[0] / sums[1] : .nan, Int(sums[1]))
    }

    /// `(acc − 0.01·rb) / (1 − 0.01·rb)` with rb in percent.
    public static func centered(_ accuracy: Double, randomBaseline rb: Double) -> Double {
        (accuracy - 0.01 * rb) / (1.0 - 0.01 * rb)
    }

    /// One task with its examples in nanochat's order (shuffled with seed 1337, cut to `maxPerTask`).
    public struct LoadedTask: Sendable {
        public let task: CoreTask
        public let data: [CoreItem]
    }

    /// Reads every available task file of the bundle (so the number of examples is known before scoring).
    public static func load(bundle: CoreBundle, maxPerTask: Int) throws -> [LoadedTask] {
        try bundle.tasks.map { LoadedTask(task: $0, data: CoreTask.shuffledAndTruncated(try $0.loadItems(), maxPerTask: maxPerTask)) }
    }

    /// Every available task of the bundle, logging nanochat's per-task line; tasks not in `only` (if given) are
    /// skipped.
    public static func evaluate(bundle: CoreBundle, model: LanguageModel, tokenizer: TextTokenizer, maxPerTask: Int,
                                dist: Distributed, log: (String) -> Void = { print0($0) }) throws -> CoreResult {
        try evaluate(loaded: load(bundle: bundle, maxPerTask: maxPerTask), bundle: bundle, model: model, tokenizer: tokenizer,
                     dist: dist, log: log)
    }

    /// Scores already loaded tasks, with a progress line (task i/K, examples/s, ETA) between the per-task lines.
    public static func evaluate(loaded: [LoadedTask], bundle: CoreBundle, model: LanguageModel, tokenizer: TextTokenizer,
                                dist: Distributed, log: (String) -> Void = { print0($0) }) throws -> CoreResult {
        var results: [CoreTaskResult] = []
        for (label, reason) in bundle.skipped { log("Skipping: \(label) (\(reason))") }
        var progress = Progress("CORE", total: loaded.reduce(0) { $0 + $1.data.count }, unit: "examples")
        var done = 0
        for (k, item) in loaded.enumerated() {
            let task = item.task
            let t0 = now()
            progress.update(done, detail: "task \(k + 1)/\(loaded.count) \(task.label)")
            let (acc, n) = try evaluateTask(task, data: item.data, model: model, tokenizer: tokenizer, dist: dist) {
                done += dist.worldSize // the other ranks score their share at about the same pace
                progress.update(done)
            }
            done = results.reduce(n) { $0 + $1.examples }
            let c = centered(acc, randomBaseline: task.randomBaseline)
            let dt = now() - t0
            progress.clear()
            log("Evaluating: \(task.label) (\(task.numFewshot)-shot, type: \(task.kind.rawValue))... "
                + String(format: "accuracy: %.4f | centered: %.4f | time: %.2fs", acc, c, dt))
            results.append(CoreTaskResult(label: task.label, kind: task.kind, numFewshot: task.numFewshot, examples: n,
                                          accuracy: acc, centered: c, seconds: dt))
        }
        progress.update(done)
        progress.finish()
        return CoreResult(tasks: results, skipped: bundle.skipped, declaredCount: bundle.declaredCount)
    }
}
