import Foundation

/// The flags several tools share, declared once so each means the same everywhere; a tool's `fields` table
/// lists them with its own key paths (and may give its own help where the meaning narrows, e.g. which
/// checkpoints `--checkpoints-dir` holds).
extension OptionField {
    /// `--threads`: compute threads per rank; 0 = all cores divided among the ranks on this host (`Threads.configure`).
    public static func threads(_ key: WritableKeyPath<Options, Int>) -> Self {
        .int("threads", key, "compute threads per rank (0 = all cores / ranks on this host)", min: 0, max: 4096)
    }

    /// `--device-type`: nanochat's flag, accepted so its command lines run; always the CPU here.
    public static func deviceType(_ key: WritableKeyPath<Options, String>) -> Self {
        .string("device-type", key, "accepted for nanochat compatibility; always CPU", choices: ["cpu", ""])
    }

    /// `--tokenizer-dir`: a tokenizer directory (or a .tiktoken file), read by `Tokenizer.load`.
    public static func tokenizerDir(_ key: WritableKeyPath<Options, String>) -> Self {
        .string("tokenizer-dir", key, "tokenizer directory (tokenizer.tiktoken [+ tokenizer_config.json])")
    }

    /// `--checkpoints-dir`: the directory whose model-tag subdirectories hold checkpoints.
    public static func checkpointsDir(_ key: WritableKeyPath<Options, String>, _ help: String = "where model-tag directories of checkpoints live") -> Self {
        .string("checkpoints-dir", key, help)
    }

    /// `--model-tag`: a checkpoint directory name under --checkpoints-dir.
    public static func modelTag(_ key: WritableKeyPath<Options, String?>, _ help: String) -> Self {
        .optionalString("model-tag", key, help)
    }
}

extension Threads {
    /// The one meaning of `--threads`: the given count, or (0) all cores divided among the ranks on this host.
    public static func configure(flag threads: Int, ranksOnHost: Int) {
        configure(threads > 0 ? threads : max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, ranksOnHost)))
    }
}
