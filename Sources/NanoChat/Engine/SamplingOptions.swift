import Foundation

/// How one row samples: nanochat's temperature and top-k, plus what OpenAI-style clients send: nucleus
/// (top-p) and the frequency/presence penalties.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 = greedy (argmax).
    public var temperature: Double
    /// nil or 0 = no top-k restriction.
    public var topK: Int?
    /// Keep the smallest set of most likely tokens whose probability reaches top_p (1 = all).
    public var topP: Double
    /// OpenAI's penalties: logit[t] −= count[t]·frequency + (count[t] > 0 ? presence : 0), counting the
    /// tokens generated so far in this row.
    public var frequencyPenalty: Double
    public var presencePenalty: Double

    public init(temperature: Double = 1, topK: Int? = nil, topP: Double = 1, frequencyPenalty: Double = 0, presencePenalty: Double = 0) {
        self.temperature = temperature; self.topK = topK; self.topP = topP
        self.frequencyPenalty = frequencyPenalty; self.presencePenalty = presencePenalty
    }

    var hasPenalties: Bool { frequencyPenalty != 0 || presencePenalty != 0 }
}

/// Samples one token with `options`; `counts` holds how often each token was generated so far (penalties).
/// With top_p 1 and no penalties this is exactly `sampleNextToken(_:temperature:topK:rng:)`.
public func sampleNextToken(_ logits: UnsafeBufferPointer<Float>, options: SamplingOptions, counts: [Int32: Int],
                            rng: inout RNG) -> Int32 {
    if options.hasPenalties && !counts.isEmpty {
        var penalized = Array(logits)
        for (token, count) in counts where Int(token) < penalized.count {
            penalized[Int(token)] -= Float(Double(count) * options.frequencyPenalty + options.presencePenalty)
        }
        var plain = options
        plain.frequencyPenalty = 0; plain.presencePenalty = 0
        return penalized.withUnsafeBufferPointer { sampleNextToken($0, options: plain, counts: [:], rng: &rng) }
    }
    guard options.topP < 1, options.temperature > 0 else {
        return sampleNextToken(logits, temperature: options.temperature, topK: options.topK, rng: &rng)
    }
    let V = logits.count
    let k = options.topK.map { $0 > 0 ? min($0, V) : V } ?? V
    let ids = topKIndices(logits, k)   // largest first
    let maxL = Double(logits[ids[0]])
    var p = ids.map { exp((Double(logits[$0]) - maxL) / options.temperature) }
    let total = p.reduce(0, +)
    // the nucleus: the most likely tokens until their mass reaches top_p (at least one)
    var keep = 0, mass = 0.0
    while keep < p.count { mass += p[keep] / total; keep += 1; if mass >= options.topP { break } }
    p.removeSubrange(keep...)
    let u = rng.uniform() * p.reduce(0, +)
    var acc = 0.0
    for (j, pj) in p.enumerated() {
        acc += pj
        if u < acc { return Int32(ids[j]) }
    }
    return Int32(ids[keep - 1])
}

/// log_softmax of one row of logits (the model's distribution at temperature 1, what OpenAI's logprobs report).
public func logSoftmax(_ logits: UnsafeBufferPointer<Float>) -> [Float] {
    var mx = -Float.infinity
    for x in logits { mx = max(mx, x) }
    var sum = 0.0
    for x in logits { sum += exp(Double(x - mx)) }
    let lse = Float(log(sum)) + mx
    return logits.map { $0 - lse }
}

/// The `count` most likely tokens of a log-prob row, most likely first.
func topLogprobs(_ logprobs: [Float], count: Int) -> [(token: Int32, logprob: Float)] {
    guard count > 0 else { return [] }
    return logprobs.withUnsafeBufferPointer { lb in topKIndices(lb, min(count, lb.count)).map { (Int32($0), lb[$0]) } }
}
