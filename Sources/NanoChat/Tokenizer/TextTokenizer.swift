/// What the data loader and evals need from a tokenizer; `Tokenizer` (BPE) conforms. Keeping it this
/// small lets the loader be tested with any encoder.
public protocol TextTokenizer: AnyObject, Sendable {
    /// id of `<|bos|>`
    var bosId: Int32 { get }
    var vocabSize: Int { get }
    /// tiktoken's `encode_ordinary`: special-token strings are plain text.
    func encodeOrdinary(_ text: String) -> [Int32]
    /// Batch form, spread over `threads` threads (order preserved).
    func encodeOrdinaryBatch(_ texts: [String], threads: Int) -> [[Int32]]
    /// Lossless on bytes; invalid UTF-8 replaced with U+FFFD like Python's errors="replace".
    func decode(_ ids: [Int32]) -> String
    /// Bytes per token id (0 for special tokens), for bits-per-byte.
    var tokenBytes: [Int32] { get }
    /// The id of a special token such as `<|assistant_end|>`, nil if the tokenizer has none by that name.
    func specialId(_ name: String) -> Int32?
}

extension TextTokenizer {
    /// Tokenizers without chat tokens know only `<|bos|>`.
    public func specialId(_ name: String) -> Int32? { name == "<|bos|>" ? bosId : nil }
}
