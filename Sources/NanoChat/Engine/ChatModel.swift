import Foundation

/// What chat_cli and chat_web load: a model and its tokenizer from `chatsft_checkpoints/<tag>/` (source
/// "sft"), `chatrl_checkpoints/<tag>/` ("rl") or `base_checkpoints/<tag>/` ("base"), nanochat's `load_model(source, ...)`.
public struct ChatModel {
    public let model: GPT
    public let tokenizer: Tokenizer
    public let dir: String
    public let step: Int

    public static func load(source: String, modelTag: String?, step: Int?, tokenizerDir: String? = nil) throws -> ChatModel {
        let checkpoints: String
        switch source {
        case "sft": checkpoints = Paths.sftCheckpointsDir
        case "rl": checkpoints = Paths.rlCheckpointsDir
        case "base": checkpoints = Paths.baseCheckpointsDir
        default: throw NanoChatError("--source=\(source): must be sft, rl or base")
        }
        guard Paths.exists(checkpoints) else {
            throw NanoChatError(file: checkpoints, "no checkpoints here (train with \(["sft": "chat_sft", "rl": "chat_rl"][source] ?? "base_train") first, or pass --source)")
        }
        let tokenizer = try Tokenizer.load(path: tokenizerDir ?? Paths.tokenizerDir)
        let ckpt = try CheckpointManager.loadModel(checkpointsDir: checkpoints, modelTag: modelTag, step: step)
        guard ckpt.model.config.vocabSize == tokenizer.vocabSize else {
            throw NanoChatError(file: ckpt.dir, "model vocab size \(ckpt.model.config.vocabSize) does not match the tokenizer's \(tokenizer.vocabSize)")
        }
        return ChatModel(model: ckpt.model, tokenizer: tokenizer, dir: ckpt.dir, step: ckpt.step)
    }
}
