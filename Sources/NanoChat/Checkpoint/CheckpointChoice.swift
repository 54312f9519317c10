import Foundation

/// Which checkpoint a tool runs, as nanochat's chat_cli, chat_web and chat_eval name it (checkpoint_manager.py:
/// load_model's source, model_tag, step): -i/--source sft → chatsft_checkpoints, rl → chatrl_checkpoints, base →
/// base_checkpoints; -g/--model-tag, default the largest d<N>; -s/--step, default the last. Declared once
/// (`OptionField.checkpoint`), read by `ModelLoader.load(_:tokenizerDir:what:)`.
public struct CheckpointChoice: Sendable, Equatable {
    public var source: String
    public var modelTag: String? = nil
    public var step: Int? = nil

    public init(source: String, modelTag: String? = nil, step: Int? = nil) {
        self.source = source; self.modelTag = modelTag; self.step = step
    }
}

/// The checkpoint-choice flags, declared once: the tools that run a checkpoint list these in their `fields`
/// with their own key paths (and their own help where the meaning narrows, e.g. whose checkpoints a tag names).
extension OptionField {
    /// `-i/--source`, `-g/--model-tag`, `-s/--step` into one `CheckpointChoice`; `required`: no default source
    /// (chat_eval's `-i` is required, as nanochat's).
    public static func checkpoint(_ key: WritableKeyPath<Options, CheckpointChoice>, required: Bool = false) -> [Self] {
        [.string("source", key.appending(path: \.source),
                 "which checkpoints: sft (chatsft_checkpoints), rl (chatrl_checkpoints) or base (base_checkpoints)" + (required ? "; required" : ""),
                 choices: (required ? [""] : []) + ["sft", "rl", "base"], short: "i"),
         .modelTag(key.appending(path: \.modelTag), "checkpoint directory (default: the largest d<N>)", short: "g", unset: ""),
         .checkpointStep(key.appending(path: \.step), "checkpoint step (default: the last)", short: "s")]
    }

    /// `--model-tag`: a checkpoint directory name under the checkpoints directory (unset: the largest d<N>).
    public static func modelTag(_ key: WritableKeyPath<Options, String?>, _ help: String, short: String? = nil, unset: String = "None") -> Self {
        .optionalString("model-tag", key, help, short: short, unset: unset)
    }

    /// `--step` (chat_cli, chat_web, chat_eval, base_eval, infer_bench) or `--model-step` (chat_sft, chat_rl, as
    /// nanochat names them): a checkpoint step, unset = the last; `words` as for `int` (base_eval's `best`).
    public static func checkpointStep(_ key: WritableKeyPath<Options, Int?>, _ help: String, name: String = "step",
                                      words: [String: Int] = [:], short: String? = nil) -> Self {
        .optionalInt(name, key, help, min: 0, words: words, short: short)
    }

    /// `--checkpoints-dir`: the directory whose model-tag subdirectories hold checkpoints.
    public static func checkpointsDir(_ key: WritableKeyPath<Options, String>, _ help: String = "where model-tag directories of checkpoints live") -> Self {
        .string("checkpoints-dir", key, help)
    }
}
