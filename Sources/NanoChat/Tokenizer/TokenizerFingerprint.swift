import Foundation

/// A tokenizer's identity: SHA-256 over its ranks (in id order), split pattern and special tokens. Two
/// tokenizers with the same vocab size but different merges get different fingerprints, so a checkpoint
/// never runs silently with token ids it was not trained on. Every checkpoint meta stores it
/// (`CheckpointManager.save`), and every place a checkpoint meets a tokenizer calls `checkMatches`.
extension Tokenizer {
    /// The meta key (next to nanochat's own keys; nanochat ignores it).
    public static let fingerprintKey = "tokenizer_fingerprint"

    /// "sha256:" + 64 hex digits; fields are length-prefixed so concatenations cannot collide.
    public var fingerprint: String {
        var sha = SHA256()
        sha.update(uint32: UInt32(mergeableRanks.count))
        for bytes in mergeableRanks { sha.update(uint32: UInt32(bytes.count)); sha.update(bytes) }
        sha.update(uint32: UInt32(pattern.utf8.count)); sha.update(pattern.utf8)
        sha.update(uint32: UInt32(Tokenizer.specialTokens.count))
        for name in Tokenizer.specialTokens { sha.update(uint32: UInt32(name.utf8.count)); sha.update(name.utf8) }
        return "sha256:" + SHA256.hex(sha.finalize())
    }

    /// Throws one line when the checkpoint whose meta is `meta` (read from `metaFile`) was trained with a
    /// different tokenizer than this one (loaded from `tokenizerPath`): a different vocab size, or a different
    /// fingerprint. A meta written before fingerprints existed gets a warning and passes on vocab size alone.
    public func checkMatches(meta: JSONValue, metaFile: String, tokenizerPath: String) throws {
        if let vocab = meta["model_config"]?["vocab_size"]?.int, vocab != vocabSize {
            throw NanoChatError(file: metaFile, "checkpoint has vocab_size \(vocab) but the tokenizer at \(tokenizerPath) has \(vocabSize): not the tokenizer it was trained with (pass --tokenizer-dir)")
        }
        guard let saved = meta[Tokenizer.fingerprintKey]?.string else {
            print0("warning: \(metaFile) has no \(Tokenizer.fingerprintKey) (written before fingerprints); cannot check that \(tokenizerPath) is the tokenizer it was trained with")
            return
        }
        let mine = fingerprint
        guard saved == mine else {
            throw NanoChatError(file: metaFile, "checkpoint was trained with tokenizer \(saved.prefix(19))… but the tokenizer at \(tokenizerPath) is \(mine.prefix(19))… (same vocab size \(vocabSize), different merges): pass the --tokenizer-dir it was trained with")
        }
    }
}
