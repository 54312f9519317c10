import Foundation

/// Setup pieces base_train and chat_sft share (nanochat's base_train.py and chat_sft.py repeat them).
public enum TrainSetup {
    /// total_batch_size // (B·T·world), which must divide exactly (base_train.py: grad_accum_steps).
    public static func gradAccumSteps(program: String, totalBatchSize: Int, B: Int, T: Int, worldSize: Int) throws -> Int {
        let worldTokens = B * T * worldSize
        guard totalBatchSize >= 1, totalBatchSize % worldTokens == 0 else {
            throw NanoChatError("\(program): total batch size \(totalBatchSize) is not divisible by device_batch_size × max_seq_len × world_size = \(B) × \(T) × \(worldSize) = \(worldTokens); adjust --total-batch-size or --device-batch-size")
        }
        return totalBatchSize / worldTokens
    }

    /// Every saved rank's optimizer shard of a checkpoint, re-sharded when the number of ranks changed (a
    /// checkpoint written by W ranks holds W files, each with only the rows and matrices that rank owned).
    public static func loadOptimizer(_ optimizer: MuonAdamW, dir: String, step: Int) throws {
        try optimizer.load(shards: { CheckpointManager.optimPath(dir, step, rank: $0) })
    }

    /// The warning when a checkpoint resumes on another number of ranks than wrote it.
    public static func warnWorldChange(saved: Int, now: Int) {
        guard saved != now else { return }
        print0("warning: checkpoint was written by \(saved) ranks, resuming on \(now): data order resumes approximately (weights and optimizer exactly)")
    }
}
