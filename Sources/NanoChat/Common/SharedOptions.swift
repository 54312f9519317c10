import Foundation

/// The flags several tools share, declared once so each means the same everywhere; a tool's `fields` table
/// lists them with its own key paths (and may give its own help where the meaning narrows). The checkpoint
/// flags (--source, --model-tag, --step, --checkpoints-dir) are `Checkpoint/CheckpointChoice.swift`'s.
extension OptionField {
    /// `--threads`: compute threads per rank; 0 = all cores divided among the ranks on this host (`Threads.configure`).
    public static func threads(_ key: WritableKeyPath<Options, Int>) -> Self {
        .int("threads", key, "compute threads per rank (0 = all cores / ranks on this host)", min: 0, max: 4096)
    }

    /// `--device-type`: nanochat's flag, accepted so its command lines run; always the CPU here (chat_cli and
    /// chat_web take any value, as they always have: `choices: nil`).
    public static func deviceType(_ key: WritableKeyPath<Options, String>, choices: [String]? = ["cpu", ""]) -> Self {
        .string("device-type", key, "accepted for nanochat compatibility; always CPU", choices: choices)
    }

    /// `--tokenizer-dir`: a tokenizer directory (or a .tiktoken file), read by `Tokenizer.load`.
    public static func tokenizerDir(_ key: WritableKeyPath<Options, String>) -> Self {
        .string("tokenizer-dir", key, "tokenizer directory (tokenizer.tiktoken [+ tokenizer_config.json])")
    }

    /// `-d/--dtype`: weight storage of a model run for inference (GPT.storeMatricesBF16); the math stays fp32.
    public static func dtype(_ key: WritableKeyPath<Options, String>,
                             _ help: String = "weight storage: float32, or bfloat16 (matrices and lm_head rounded to bf16, math in fp32)") -> Self {
        .string("dtype", key, help, choices: ["float32", "bfloat16"], short: "d")
    }
}

extension Threads {
    /// The one meaning of `--threads`: the given count, or (0) all cores divided among the ranks on this host.
    public static func configure(flag threads: Int, ranksOnHost: Int) {
        configure(threads > 0 ? threads : max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, ranksOnHost)))
    }
}
