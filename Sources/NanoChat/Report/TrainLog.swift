import Foundation

/// One line of `<checkpoint dir>/train_log.jsonl`, which base_train (and chat_sft) append per step:
/// `{"step": 12, "loss": 6.1, "lrm": 1.0, "dt": 0.41, "tok_per_sec": 9876, "mfu": 1.2}` plus `val_bpb` /
/// `core` (`chatcore`, chat_sft) on evaluation steps. Every field but `step` may be missing.
public struct TrainLogEntry: Sendable {
    public var step: Int
    public var loss: Double?
    public var lrm: Double?
    public var dt: Double?
    public var tokPerSec: Double?
    public var mfu: Double?
    public var valBpb: Double?
    public var core: Double?
    /// chat_sft's ChatCORE (nanochat's wandb `chatcore_metric`), when evaluated at this step.
    public var chatcore: Double? = nil
    /// chat_rl's mean reward of the step.
    public var reward: Double? = nil
}

/// A run's training log, read tolerantly: a missing file is nil; lines that are not JSON objects with an
/// integer `step` are counted in `skippedLines` and left out (a run killed mid-write leaves half a line);
/// when a step appears twice (a resume that did not truncate) the later line wins.
public struct TrainLog: Sendable {
    public static let fileName = "train_log.jsonl"
    public var entries: [TrainLogEntry]
    public var skippedLines: Int

    public init(entries: [TrainLogEntry], skippedLines: Int = 0) {
        self.entries = entries
        self.skippedLines = skippedLines
    }

    public static func read(directory: String) -> TrainLog? { read(file: Paths.join(directory, fileName)) }

    public static func read(file: String) -> TrainLog? {
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        return parse(String(decoding: data, as: UTF8.self), file: file)
    }

    public static func parse(_ text: String, file: String = TrainLog.fileName) -> TrainLog {
        var byStep: [Int: TrainLogEntry] = [:]
        var skipped = 0
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let v = try? JSONValue.parse(trimmed, file: file), case .object = v, let step = v["step"]?.int else {
                skipped += 1
                continue
            }
            func num(_ keys: String...) -> Double? {
                for k in keys { if let d = v[k]?.double { return d } }
                return nil
            }
            byStep[step] = TrainLogEntry(step: step, loss: num("loss", "train_loss"), lrm: num("lrm"), dt: num("dt"),
                                         tokPerSec: num("tok_per_sec", "tokens_per_sec"), mfu: num("mfu"),
                                         valBpb: num("val_bpb"), core: num("core", "core_metric"),
                                         chatcore: num("chatcore", "chatcore_metric"), reward: num("reward"))
        }
        return TrainLog(entries: byStep.values.sorted { $0.step < $1.step }, skippedLines: skipped)
    }

    /// (step, value) for every entry that has the value.
    public func series(_ key: KeyPath<TrainLogEntry, Double?>) -> [(x: Double, y: Double)] {
        entries.compactMap { e in e[keyPath: key].map { (Double(e.step), $0) } }
    }

    /// The last value logged for `key`, with its step.
    public func last(_ key: KeyPath<TrainLogEntry, Double?>) -> (step: Int, value: Double)? {
        for e in entries.reversed() { if let v = e[keyPath: key] { return (e.step, v) } }
        return nil
    }

    /// Median throughput over the logged steps, leaving out the first 10% (warm-up) when there are ten or more.
    public var medianTokPerSec: Double? {
        let v = entries.compactMap(\.tokPerSec).filter(\.isFinite)
        let kept = v.count >= 10 ? Array(v.dropFirst(v.count / 10)) : v
        guard !kept.isEmpty else { return nil }
        let s = kept.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Σ dt of the logged steps.
    public var trainingSeconds: Double? {
        let d = entries.compactMap(\.dt).filter(\.isFinite)
        return d.isEmpty ? nil : d.reduce(0, +)
    }
}
