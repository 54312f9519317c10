import Foundation

/// One training run as the report sees it: a checkpoint directory (`base_checkpoints/d4`,
/// `chatsft_checkpoints/d4`) with the meta of its newest complete checkpoint and its train_log.jsonl.
/// Either may be missing: a run without a log is listed without a plot, a log without checkpoints is still
/// plotted.
public struct RunSummary {
    public let kind: String      // "base", "sft" or "rl"
    public let tag: String       // "d4"
    public let dir: String
    public let lastStep: Int?
    public let meta: JSONValue?
    public let log: TrainLog?
    /// Why the meta could not be read, if it could not.
    public let metaProblem: String?

    /// "base/d4".
    public var name: String { "\(kind)/\(tag)" }

    public init(kind: String, tag: String, dir: String) {
        self.kind = kind
        self.tag = tag
        self.dir = dir
        let steps = CheckpointManager.completeSteps(dir)
        lastStep = steps.last
        var meta: JSONValue? = nil, problem: String? = nil
        if let s = steps.last {
            do { meta = try CheckpointManager.loadMeta(dir, s) } catch { problem = "\(error)" }
        }
        self.meta = meta
        metaProblem = problem
        log = TrainLog.read(directory: dir)
    }

    /// Every run under `baseDir`'s base_checkpoints, chatsft_checkpoints and chatrl_checkpoints (sorted by kind, then tag
    /// with d2 < d4 < d12), skipping directories that hold neither checkpoints nor a log.
    public static func discover(baseDir: String) -> [RunSummary] {
        var runs: [RunSummary] = []
        for (kind, sub) in [("base", "base_checkpoints"), ("sft", "chatsft_checkpoints"), ("rl", "chatrl_checkpoints")] {
            let root = Paths.join(baseDir, sub)
            let tags = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
                .filter { !$0.hasPrefix(".") }
                .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
            for tag in tags {
                var isDir: ObjCBool = false
                let dir = Paths.join(root, tag)
                guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else { continue }
                let run = RunSummary(kind: kind, tag: tag, dir: dir)
                if run.lastStep != nil || run.log != nil { runs.append(run) }
            }
        }
        return runs
    }

    // MARK: - Derived numbers (log first, meta as the fallback)

    public var modelConfig: GPTConfig? {
        guard let meta, let s = lastStep else { return nil }
        return try? CheckpointManager.modelConfig(from: meta, file: CheckpointManager.metaPath(dir, s))
    }

    public var parameters: Int? { modelConfig?.scalingParams["total"] }

    /// The last logged training loss, else the meta's smoothed loss.
    public var finalLoss: Double? {
        log?.last(\.loss)?.value ?? meta?["loop_state"]?["smooth_train_loss"]?.double
    }

    public var finalValBpb: Double? {
        if let v = log?.last(\.valBpb)?.value { return v }
        guard let v = meta?["val_bpb"]?.double, v.isFinite else { return nil }
        return v
    }

    public var finalCore: Double? { log?.last(\.core)?.value }

    public var tokensPerSecond: Double? { log?.medianTokPerSec }

    /// Training time: the meta's total_training_time (nanochat leaves out the first steps), else Σ dt.
    public var trainingSeconds: Double? {
        if let t = meta?["loop_state"]?["total_training_time"]?.double, t > 0 { return t }
        return log?.trainingSeconds
    }

    /// user_config from the meta as (flag, value) text pairs, in the saved order.
    public var userConfig: [(String, String)] {
        guard case .object(let kv)? = meta?["user_config"] else { return [] }
        return kv.map { k, v in
            if case .string(let s) = v { return (k, s) }
            return (k, v.serialized(indent: 0))
        }
    }
}
