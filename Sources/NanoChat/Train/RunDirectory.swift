import Foundation

/// A run's checkpoint directory, checked before the first step so that no work is lost at the end: it can be
/// created and written, and a new run does not mix its checkpoints with another run's.
///   {dir}/model_…, optim_…, loader_…, meta_…   step checkpoints (`CheckpointManager`)
///   {dir}/best/                                 the lowest-val-bpb checkpoint (--save-best), one step, same layout
///   {dir}/train_log.jsonl                       one line per step (`TrainLogWriter`)
public enum RunDirectory {
    public static func bestDir(_ dir: String) -> String { CheckpointManager.bestDir(dir) }

    /// Steps with a complete checkpoint in `dir` or its `best/`.
    public static func existingSteps(_ dir: String) -> (steps: [Int], best: [Int]) {
        (CheckpointManager.completeSteps(dir), CheckpointManager.completeSteps(bestDir(dir)))
    }

    /// Up front, before the model is built: refuses a new run (not `resuming`) into a directory that holds another
    /// run's checkpoints unless `overwrite`, and proves the directory can be created and written on every rank.
    public static func check(_ dir: String, resuming: Bool, overwrite: Bool, dist: Distributed) throws {
        if dist.rank == 0 && !resuming && !overwrite {
            let (steps, best) = existingSteps(dir)
            if !steps.isEmpty || !best.isEmpty {
                let shown = steps.isEmpty ? "a best/ checkpoint" : steps.count == 1 ? "the checkpoint of step \(steps[0])" : "checkpoints of steps " + describe(steps)
                throw NanoChatError(file: dir, "already holds \(shown) from another run; resume it with --resume-from-step=last (or a step), choose another --model-tag, or pass --overwrite to delete them and start over")
            }
        }
        try Paths.ensureWritable(dir, what: "checkpoint directory", rank: dist.rank)
    }

    /// Last thing before the first step (after `--init-from` weights are in memory): with `overwrite`, a new run
    /// removes the previous run's files (step checkpoints, `best/`, train_log.jsonl; nothing else).
    public static func prepare(_ dir: String, resuming: Bool, overwrite: Bool, dist: Distributed) throws {
        if dist.rank == 0 && !resuming && overwrite {
            let (steps, best) = existingSteps(dir)
            if !steps.isEmpty || !best.isEmpty {
                try removeRun(dir)
                print0("--overwrite: removed the previous run's checkpoints (\(steps.isEmpty ? "" : "steps \(describe(steps))")\(best.isEmpty ? "" : " best/")) from \(dir)")
            }
        }
        dist.barrier()
    }

    /// Deletes the checkpoint files of every step (and their temporaries), `best/` and the training log.
    static func removeRun(_ dir: String) throws {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
        // metas first: a step stops counting as saved before its files go (the reverse of the save order)
        for prefix in ["meta_", "model_", "optim_", "loader_"] {
            for name in names where name.hasPrefix(prefix) { try remove(Paths.join(dir, name)) }
        }
        if Paths.exists(bestDir(dir)) { try remove(bestDir(dir)) }
        let log = Paths.join(dir, TrainLogWriter.fileName)
        if Paths.exists(log) { try remove(log) }
    }

    static func remove(_ path: String) throws {
        do { try FileManager.default.removeItem(atPath: path) }
        catch { throw NanoChatError(file: path, "--overwrite cannot remove it (\(error.localizedDescription))") }
    }

    /// "0, 100, 200" or "0, 100, …, 900 (10 checkpoints)".
    static func describe(_ steps: [Int]) -> String {
        if steps.count <= 4 { return steps.map(String.init).joined(separator: ", ") }
        return "\(steps[0]), \(steps[1]), …, \(steps.last!) (\(steps.count) checkpoints)"
    }
}
