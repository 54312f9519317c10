import Foundation

/// A checkpoint loaded to run: the model, the tokenizer it was checked against, and where it came from.
public struct LoadedModel {
    public let model: GPT
    public let tokenizer: Tokenizer
    public let meta: JSONValue
    public let dir: String
    public let step: Int
    public var metaFile: String { CheckpointManager.metaPath(dir, step) }
}

/// The one model loader of the tools that run a checkpoint (base_eval, chat_eval, chat_cli, chat_web,
/// infer_bench, chat_rl; nanochat's checkpoint_manager.py: load_model). In this order, each failure one line:
/// the tokenizer (`Tokenizer.load`), the checkpoint (`<checkpointsDir>/<tag or largest d<N>>/`, a step or the
/// last, or `best/`), the tokenizer it was trained with (vocab size and fingerprint: `checkMatches`), and the
/// RAM the model needs at `sequences` rows of its context per forward, to evaluate or (`training`, chat_rl)
/// to train (`ModelSize`; the weights alone are checked before they load).
public enum ModelLoader {
    public static func load(checkpointsDir: String, modelTag: String?, step: Int?, best: Bool = false,
                            tokenizerDir: String, sequences: Int = 0, training: Bool = false, ranksOnHost: Int = 1,
                            what: String) throws -> LoadedModel {
        let tokenizer = try Tokenizer.load(path: tokenizerDir)
        let ckpt = try CheckpointManager.loadModel(checkpointsDir: checkpointsDir, modelTag: modelTag, step: step, best: best)
        try tokenizer.checkMatches(meta: ckpt.meta, metaFile: CheckpointManager.metaPath(ckpt.dir, ckpt.step), tokenizerPath: tokenizerDir)
        if sequences > 0 {
            try ModelSize.check(ckpt.model.config, rows: sequences * ckpt.model.config.sequenceLen, training: training, ranksOnHost: ranksOnHost,
                                what: "\(what) on \(ckpt.dir)")
        }
        return LoadedModel(model: ckpt.model, tokenizer: tokenizer, meta: ckpt.meta, dir: ckpt.dir, step: ckpt.step)
    }

    /// nanochat's `load_model(source, ...)` directories: sft → chatsft_checkpoints, rl → chatrl_checkpoints,
    /// base → base_checkpoints.
    public static func checkpointsDir(source: String) throws -> String {
        switch source {
        case "sft": return Paths.sftCheckpointsDir
        case "rl": return Paths.rlCheckpointsDir
        case "base": return Paths.baseCheckpointsDir
        default: throw NanoChatError("--source=\(source): must be sft, rl or base")
        }
    }

    /// chat_cli's, chat_web's and infer_bench's load: the checkpoints of `choice.source` (which must exist), then `load`.
    public static func load(_ choice: CheckpointChoice, tokenizerDir: String, what: String) throws -> LoadedModel {
        let checkpoints = try checkpointsDir(source: choice.source)
        guard Paths.exists(checkpoints) else {
            throw NanoChatError(file: checkpoints, "no checkpoints here (train with \(["sft": "chat_sft", "rl": "chat_rl"][choice.source] ?? "base_train") first, or pass --source)")
        }
        return try load(checkpointsDir: checkpoints, modelTag: choice.modelTag, step: choice.step, tokenizerDir: tokenizerDir, what: what)
    }
}
