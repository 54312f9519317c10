import Foundation

/// Sampling from a `LanguageModel` by re-running the growing prefix (no KV cache): greedy (temperature 0,
/// first max) or temperature with optional top-k, driven by our seeded `RNG`. A row stops at `<|bos|>`,
/// which is not appended (nanochat Engine.generate_batch).
public enum Sampling {
    /// The 7 prompts base_train and base_eval complete greedily (§7.3).
    public static let prompts = [
        "The capital of France is",
        "The chemical symbol of gold is",
        "If yesterday was Friday, then tomorrow will be",
        "The opposite of hot is",
        "The planets of the solar system are:",
        "My favorite color is",
        "If 5*x + 3 = 13, then x is",
    ]

    /// One next token from a row of logits.
    public static func sampleToken(_ logits: UnsafeBufferPointer<Float>, temperature: Double, topK: Int?, rng: inout RNG) -> Int32 {
        let V = logits.count
        var best = 0
        for i in 1..<V where logits[i] > logits[best] { best = i }
        if temperature <= 0 { return Int32(best) }
        var ids = Array(0..<V)
        if let k = topK, k > 0, k < V {
            ids.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            ids = Array(ids.prefix(k))
        }
        let maxL = Double(logits[best])
        var p = ids.map { exp((Double(logits[$0]) - maxL) / temperature) }
        let total = p.reduce(0, +)
        for i in p.indices { p[i] /= total }
        let u = rng.uniform()
        var c = 0.0
        for (j, pj) in p.enumerated() {
            c += pj
            if u < c { return Int32(ids[j]) }
        }
        return Int32(ids[p.lastIndex(where: { $0 > 0 }) ?? 0])
    }

    /// Continues each of `rows` prompts (all the same length) for up to `maxTokens` tokens; returns each row's
    /// prompt followed by its generated tokens (stopping at BOS).
    public static func generate(model: LanguageModel, prompts rows: [[Int32]], maxTokens: Int, temperature: Double,
                                topK: Int? = nil, bosId: Int32, rng: inout RNG) -> [[Int32]] {
        guard let first = rows.first else { return [] }
        precondition(rows.allSatisfy { $0.count == first.count && !$0.isEmpty }, "prompts must share a non-zero length")
        let B = rows.count
        var seqs = rows
        var done = [Bool](repeating: false, count: B)
        var out = rows
        for _ in 0..<maxTokens {
            let T = seqs[0].count
            let logits = model.lastLogits(inputs: seqs.flatMap { $0 }, B: B, T: T)
            let V = logits.count / B
            logits.withUnsafeBufferPointer { lp in
                for r in 0..<B {
                    let tok = sampleToken(UnsafeBufferPointer(rebasing: lp[(r * V)..<((r + 1) * V)]),
                                          temperature: temperature, topK: topK, rng: &rng)
                    seqs[r].append(tok)
                    if done[r] { continue }
                    if tok == bosId { done[r] = true } else { out[r].append(tok) }
                }
            }
            if done.allSatisfy({ $0 }) { break }
        }
        return out
    }

    /// base_eval's samples (§5.3): the 7 prompts greedily (16 tokens), then 8 unconditioned samples from
    /// [BOS] at temperature 1.0 (128 tokens, seed 42). Returns the decoded texts (BOS shows as <|bos|>).
    public static func baseEvalSamples(model: LanguageModel, tokenizer: TextTokenizer, log: (String) -> Void = { print0($0) })
        -> (conditioned: [String], unconditioned: [String]) {
        var rng = RNG(seed: 42)
        var cond: [String] = []
        for p in prompts {
            let toks = [tokenizer.bosId] + tokenizer.encodeOrdinary(p)
            let s = generate(model: model, prompts: [toks], maxTokens: 16, temperature: 0, bosId: tokenizer.bosId, rng: &rng)[0]
            let text = tokenizer.decode(s)
            log(text)
            cond.append(text)
        }
        let rows = [[Int32]](repeating: [tokenizer.bosId], count: 8)
        let samples = generate(model: model, prompts: rows, maxTokens: 128, temperature: 1.0, bosId: tokenizer.bosId, rng: &rng)
        var uncond: [String] = []
        for s in samples {
            let text = tokenizer.decode(s)
            log(String(repeating: "-", count: 80))
            log(text)
            uncond.append(text)
        }
        return (cond, uncond)
    }
}
