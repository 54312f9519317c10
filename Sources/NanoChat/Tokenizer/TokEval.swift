import Foundation

/// nanochat's `scripts/tok_eval.py`: bytes per token of our tokenizer against GPT-2's and GPT-4's on the
/// same texts, every text round-tripped (`decode(encode(t)) == t`) by every tokenizer, and nanochat's two
/// comparison tables. The reference tokenizers are tiktoken's own rank files, read by our encoder with
/// their split patterns (`SplitPattern.gpt2`, `.cl100k`).
public enum TokEval {
    /// A reference column: tiktoken's file name and URL (`tiktoken_ext/openai_public.py`); r50k_base holds
    /// GPT-2's ranks (tiktoken's "gpt2" reads the same ranks from encoder.json + vocab.bpe).
    public struct Reference: Sendable {
        public let name: String, file: String, url: String
        public let split: SplitPattern
        /// tiktoken's `n_vocab` (ranks + its special tokens), what nanochat prints as the vocab size
        public let vocabSize: Int
    }

    public static let references = [
        Reference(name: "GPT-2", file: "r50k_base.tiktoken",
                  url: "https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken", split: .gpt2, vocabSize: 50257),
        Reference(name: "GPT-4", file: "cl100k_base.tiktoken",
                  url: "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken", split: .cl100k, vocabSize: 100277),
    ]

    public struct Count: Equatable { public let bytes: Int, tokens: Int
        public var ratio: Double { Double(bytes) / Double(max(tokens, 1)) }
    }

    /// Encodes every text, checks the round trip (a one-line error naming the tokenizer and text), counts.
    public static func measure(_ tok: Tokenizer, name: String, texts: [(String, String)]) throws -> [Count] {
        let ids = tok.encodeOrdinaryBatch(texts.map(\.1), threads: Threads.count)
        return try zip(texts, ids).map { text, encoded in
            guard tok.decode(encoded) == text.1 else {
                throw NanoChatError("tok_eval: \(name) does not round-trip the \(text.0) text (decode(encode(t)) != t)")
            }
            return Count(bytes: text.1.utf8.count, tokens: encoded.count)
        }
    }

    /// nanochat's `print_comparison`, with its colours when `color` (green = the better ratio).
    public static func comparison(baseline: String, _ base: [Count], ours: [Count], names: [String], color: Bool) -> [String] {
        let green = color ? "\u{1B}[92m" : "", red = color ? "\u{1B}[91m" : "", reset = color ? "\u{1B}[0m" : ""
        func left(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        var lines = ["", "Comparison with \(baseline):", String(repeating: "=", count: 95),
                     left("Text Type", 10) + " " + left("Bytes", 8) + " " + left(baseline, 15) + " " + left("Ours", 15) + " "
                        + left("Relative", 12) + " " + left("Better", 10),
                     left("", 10) + " " + left("", 8) + " " + left("Tokens", 7) + " " + left("Ratio", 7) + " "
                        + left("Tokens", 7) + " " + left("Ratio", 7) + " " + left("Diff %", 12),
                     String(repeating: "-", count: 95)]
        for (k, name) in names.enumerated() {
            let b = base[k], o = ours[k]
            let relative = Double(b.tokens - o.tokens) / Double(max(b.tokens, 1)) * 100
            let (bc, oc, better, dc): (String, String, String, String) =
                b.ratio > o.ratio ? (green, red, baseline, red) : o.ratio > b.ratio ? (red, green, "Ours", green) : ("", "", "Tie", "")
            lines.append(left(name, 10) + " " + left(String(b.bytes), 8) + " "
                         + bc + left(String(b.tokens), 7) + reset + " " + bc + left(String(format: "%.2f", b.ratio), 7) + reset + " "
                         + oc + left(String(o.tokens), 7) + reset + " " + oc + left(String(format: "%.2f", o.ratio), 7) + reset + " "
                         + dc + String(format: "%+7.1f%%", relative) + reset + "     " + left(better, 10))
        }
        return lines
    }

    /// Our tokenizer alone (when no reference is available): bytes, tokens and ratio per text.
    public static func table(_ ours: [Count], names: [String]) -> [String] {
        func left(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        var lines = ["", left("Text Type", 15) + " " + left("Bytes", 10) + " " + left("Tokens", 10) + " Ratio",
                     String(repeating: "-", count: 45)]
        for (k, name) in names.enumerated() {
            lines.append(left(name, 15) + " " + left(String(ours[k].bytes), 10) + " " + left(String(ours[k].tokens), 10)
                         + " " + String(format: "%.2f", ours[k].ratio))
        }
        return lines
    }
}
