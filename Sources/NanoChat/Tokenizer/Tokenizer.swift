import Foundation

/// A token given by special-token name or by id, for `encode(prepend:append:)`.
/// A string literal means a special token: `encode(text, prepend: "<|bos|>")`.
public enum TokenRef: ExpressibleByStringLiteral, Sendable {
    case special(String)
    case id(Int32)
    public init(stringLiteral s: String) { self = .special(s) }
}

/// nanochat's tokenizer (nanochat/tokenizer.py): byte-level BPE over mergeable ranks (id = rank; bytes 0..255 first
/// in nanochat's files), the 9 special tokens appended after the ranks, tiktoken's encoding rule.
public final class Tokenizer: TextTokenizer, @unchecked Sendable {
    /// nanochat's SPLIT_PATTERN (GPT-4 style with \p{N}{1,2}); implemented by `Pretokenizer`, not a regex engine.
    public static let splitPattern = #"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,2}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"#
    public static let specialTokens = ["<|bos|>", "<|user_start|>", "<|user_end|>", "<|assistant_start|>",
                                       "<|assistant_end|>", "<|python_start|>", "<|python_end|>",
                                       "<|output_start|>", "<|output_end|>"]

    public let pattern: String
    public let split: SplitPattern
    /// ranks[id] = the bytes of token id
    public let mergeableRanks: [[UInt8]]
    public let vocabSize: Int
    public let bosId: Int32
    /// bytes per id (0 for the special tokens), for bits-per-byte
    public let tokenBytes: [Int32]
    let vocab: VocabIndex
    let byteRank: [Int32]
    private let specialIds: [String: Int32]
    private let poolLock = NSLock()
    private var pool: [EncodeState] = []

    /// `mergeableRanks[id]` = bytes of token id. Byte strings must be unique and include all 256 single bytes
    /// (`load` checks this and reports a one-line error; here it is a precondition). nanochat's pattern, or
    /// GPT-2's / cl100k's for tok_eval's reference columns.
    public init(mergeableRanks: [[UInt8]], split: SplitPattern = .nanochat) {
        if let problem = Tokenizer.validate(mergeableRanks) { preconditionFailure("Tokenizer: \(problem)") }
        self.pattern = split.regex
        self.split = split
        self.mergeableRanks = mergeableRanks
        let v = VocabIndex(mergeableRanks)
        vocab = v
        var br = [Int32](repeating: -1, count: 256)
        for b in 0..<256 { br[b] = [UInt8(b)].withUnsafeBufferPointer { v.rank($0.baseAddress!, 1) } }
        byteRank = br
        let n = mergeableRanks.count
        var sp: [String: Int32] = [:]
        for (i, name) in Tokenizer.specialTokens.enumerated() { sp[name] = Int32(n + i) }
        specialIds = sp
        vocabSize = n + Tokenizer.specialTokens.count
        bosId = Int32(n)
        tokenBytes = mergeableRanks.map { Int32($0.count) } + [Int32](repeating: 0, count: Tokenizer.specialTokens.count)
    }

    /// nil if the ranks are usable, else the problem (duplicate byte strings would collapse in tiktoken's
    /// dict and shift the special ids; a missing single byte makes some text unencodable).
    static func validate(_ ranks: [[UInt8]]) -> String? {
        var seen: [[UInt8]: Int] = [:]
        seen.reserveCapacity(ranks.count)
        for (r, b) in ranks.enumerated() {
            if b.isEmpty { return "rank \(r) is an empty byte string" }
            if let prev = seen.updateValue(r, forKey: b) { return "ranks \(prev) and \(r) have the same bytes" }
        }
        for b in 0..<256 where seen[[UInt8(b)]] == nil {
            return String(format: "single byte 0x%02X has no rank", b)
        }
        return nil
    }

    // MARK: - Special tokens

    public func specialId(_ name: String) -> Int32? { specialIds[name] }

    public func resolve(_ ref: TokenRef) -> Int32 {
        switch ref {
        case .id(let i):
            precondition(i >= 0 && Int(i) < vocabSize, "Tokenizer: token id \(i) out of range 0..<\(vocabSize)")
            return i
        case .special(let name):
            guard let i = specialIds[name] else { preconditionFailure("Tokenizer: unknown special token \(name)") }
            return i
        }
    }

    // MARK: - Encoding

    private func acquire() -> EncodeState {
        poolLock.lock(); defer { poolLock.unlock() }
        return pool.popLast() ?? EncodeState()
    }
    private func release(_ st: EncodeState) {
        poolLock.lock(); pool.append(st); poolLock.unlock()
    }

    private func encode(_ text: String, _ st: EncodeState, into out: inout [Int32]) {
        var s = text
        s.withUTF8 { buf in
            guard let base = buf.baseAddress, buf.count > 0 else { return }
            encodeBytes(base, buf.count, st, &out)
        }
    }

    /// tiktoken's `encode_ordinary`: special-token strings in the text are plain text.
    public func encodeOrdinary(_ text: String) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        let st = acquire()
        encode(text, st, into: &out)
        release(st)
        return out
    }

    /// nanochat's `encode(text, prepend=None, append=None)`.
    public func encode(_ text: String, prepend: TokenRef? = nil, append: TokenRef? = nil) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        if let p = prepend { out.append(resolve(p)) }
        let st = acquire()
        encode(text, st, into: &out)
        release(st)
        if let a = append { out.append(resolve(a)) }
        return out
    }

    /// Batch form over `threads` threads (documents handed out in small blocks; order preserved).
    public func encodeOrdinaryBatch(_ texts: [String], threads: Int) -> [[Int32]] {
        let nt = max(1, min(threads, texts.count))
        if nt == 1 { return texts.map { encodeOrdinary($0) } }
        var results = [[Int32]](repeating: [], count: texts.count)
        let lock = NSLock()
        var next = 0
        let block = max(1, min(16, texts.count / (nt * 8)))
        results.withUnsafeMutableBufferPointer { res in
            DispatchQueue.concurrentPerform(iterations: nt) { _ in
                let st = acquire()
                while true {
                    lock.lock(); let lo = next; next += block; lock.unlock()
                    if lo >= texts.count { break }
                    for i in lo..<min(lo + block, texts.count) {
                        var out: [Int32] = []
                        out.reserveCapacity(texts[i].utf8.count / 3 + 4)
                        encode(texts[i], st, into: &out)
                        res[i] = out
                    }
                }
                release(st)
            }
        }
        return results
    }

    // MARK: - Decoding

    /// The bytes of the ids, concatenated (special tokens give their names; ids out of range give nothing).
    public func decodeBytes(_ ids: [Int32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        let n = vocab.count
        for id in ids {
            let i = Int(id)
            if i >= 0 && i < n {
                let s = Int(vocab.offsets[i]), e = Int(vocab.offsets[i + 1])
                out.append(contentsOf: UnsafeBufferPointer(start: vocab.data + s, count: e - s))
            } else if i >= n && i < vocabSize {
                out.append(contentsOf: Array(Tokenizer.specialTokens[i - n].utf8))
            }
        }
        return out
    }

    /// Lossless on bytes; invalid UTF-8 becomes U+FFFD (maximal subparts, like Python's errors="replace").
    public func decode(_ ids: [Int32]) -> String {
        String(decoding: decodeBytes(ids), as: UTF8.self)
    }

    /// The bytes of one token id (`decode_single_token_bytes`).
    public func bytes(of id: Int32) -> [UInt8] { decodeBytes([id]) }
}
