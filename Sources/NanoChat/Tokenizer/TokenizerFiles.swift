import Foundation

/// The tokenizer on disk (`$NANOCHAT_BASE_DIR/tokenizer/`):
/// - `tokenizer.tiktoken`: tiktoken's own format, one `base64(bytes) rank` line per mergeable rank
///   (Python's `tiktoken.load.load_tiktoken_bpe` reads it);
/// - `tokenizer_config.json`: the split pattern, the special tokens with their ids, the vocab size.
extension Tokenizer {
    public static let ranksFileName = "tokenizer.tiktoken"
    public static let configFileName = "tokenizer_config.json"

    /// The one loader every tool uses (`--tokenizer-dir`). Accepts every layout the tools take: a directory with
    /// `tokenizer.tiktoken` + `tokenizer_config.json` as tok_train writes them (checked by `load(directory:)`),
    /// a directory with a bare `tokenizer.tiktoken` (nanochat's split pattern and special tokens assumed), or
    /// the path of a `.tiktoken` file itself.
    public static func load(path: String) throws -> Tokenizer {
        if path.hasSuffix(".tiktoken") && !Paths.isDirectory(path) {
            guard Paths.exists(path) else { throw NanoChatError(file: path, "no such tokenizer file") }
            return try load(tiktokenFile: path)
        }
        let ranks = Paths.join(path, ranksFileName)
        guard Paths.exists(ranks) else {
            throw NanoChatError(file: ranks, "no tokenizer here; train one first (swift run -c release tok_train) or pass --tokenizer-dir")
        }
        guard Paths.exists(Paths.join(path, configFileName)) else { return try load(tiktokenFile: ranks) }
        return try load(directory: path)
    }

    /// Both files of a tokenizer directory (as tok_train writes them); the config must agree with the ranks.
    public static func load(directory: String) throws -> Tokenizer {
        let tok = try load(tiktokenFile: Paths.join(directory, ranksFileName))
        let cfgPath = Paths.join(directory, configFileName)
        guard let data = FileManager.default.contents(atPath: cfgPath) else {
            throw NanoChatError(file: cfgPath, "cannot read file")
        }
        guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw NanoChatError(file: cfgPath, "not a JSON object")
        }
        guard let pattern = obj["pattern"] as? String else { throw NanoChatError(file: cfgPath, "missing \"pattern\"") }
        guard pattern == splitPattern else {
            throw NanoChatError(file: cfgPath, "split pattern differs from nanochat's (the only one implemented)")
        }
        guard let vs = obj["vocab_size"] as? Int else { throw NanoChatError(file: cfgPath, "missing \"vocab_size\"") }
        guard vs == tok.vocabSize else {
            throw NanoChatError(file: cfgPath, "vocab_size \(vs) but \(ranksFileName) has \(tok.mergeableRanks.count) ranks + \(specialTokens.count) special tokens")
        }
        guard let sp = obj["special_tokens"] as? [String: Any], sp.count == specialTokens.count else {
            throw NanoChatError(file: cfgPath, "\"special_tokens\" must map the \(specialTokens.count) special tokens to ids")
        }
        for name in specialTokens {
            guard let id = sp[name] as? Int, Int32(exactly: id) == tok.specialId(name) else {
                throw NanoChatError(file: cfgPath, "special token \(name) missing or not at id \(tok.specialId(name)!)")
            }
        }
        return tok
    }

    /// A tiktoken ranks file; the special tokens are appended in order after the ranks.
    public static func load(tiktokenFile path: String, split: SplitPattern = .nanochat) throws -> Tokenizer {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NanoChatError(file: path, "cannot read file")
        }
        var ranks: [[UInt8]?] = []
        var lineNo = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            let l = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            if l.isEmpty { continue }
            let parts = l.split(separator: UInt8(ascii: " "))
            guard parts.count == 2, let b = Data(base64Encoded: Data(parts[0])),
                  let r = Int(String(decoding: parts[1], as: UTF8.self)) else {
                throw NanoChatError(file: path, "line \(lineNo): expected \"base64(bytes) rank\"")
            }
            guard r >= 0 && r < 1 << 24 else { throw NanoChatError(file: path, "line \(lineNo): rank \(r) out of range") }
            if r >= ranks.count { ranks += [[UInt8]?](repeating: nil, count: r + 1 - ranks.count) }
            guard ranks[r] == nil else { throw NanoChatError(file: path, "line \(lineNo): rank \(r) appears twice") }
            ranks[r] = [UInt8](b)
        }
        guard !ranks.isEmpty else { throw NanoChatError(file: path, "no ranks") }
        if let gap = ranks.firstIndex(where: { $0 == nil }) {
            throw NanoChatError(file: path, "ranks are not 0..<\(ranks.count): rank \(gap) is missing")
        }
        let dense = ranks.map { $0! }
        if let problem = validate(dense) { throw NanoChatError(file: path, problem) }
        return Tokenizer(mergeableRanks: dense, split: split)
    }

    /// Writes both files atomically (each write-then-rename).
    public func save(directory: String) throws {
        try Paths.ensureDir(directory)
        var text = ""
        text.reserveCapacity(mergeableRanks.count * 16)
        for (r, b) in mergeableRanks.enumerated() {
            text += Data(b).base64EncodedString()
            text += " \(r)\n"
        }
        try atomicWrite(Data(text.utf8), to: Paths.join(directory, Tokenizer.ranksFileName))
        try atomicWrite(configJSON(), to: Paths.join(directory, Tokenizer.configFileName))
    }

    func configJSON() -> Data {
        var sp: [String: Int] = [:]
        for name in Tokenizer.specialTokens { sp[name] = Int(specialId(name)!) }
        let obj: [String: Any] = [
            "pattern": pattern,
            "vocab_size": vocabSize,
            "num_mergeable_ranks": mergeableRanks.count,
            "special_tokens": sp,
            "special_tokens_order": Tokenizer.specialTokens,
        ]
        let d = (try? JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return d + Data("\n".utf8)
    }
}
