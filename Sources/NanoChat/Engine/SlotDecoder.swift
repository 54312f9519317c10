// Ragged batched decoding for continuous batching (a server's generation loop): a fixed set of KV-cache
// slots, each its own sequence at its own position. A request is prefilled into a free slot (its own
// forward over the prompt, through the big GEMMs), then every step feeds one token to each active slot
// in ONE forward: one pass over the weights for all of them, each attending only to its own cache.
// Slots are freed and refilled between steps. A row's tokens do not depend on which other rows share
// its steps (the decode kernels compute each row alone; `SlotDecoderTests` checks greedy tokens).
// chat_web's decode loop takes the same ragged forward through `forwardRagged`: one-row caches per
// request, a new request's prompt in the same forward as the others' decode tokens.

/// `slots` sequences of up to `capacity` tokens each over one read-only GPT.
public final class SlotDecoder {
    public let model: GPT
    public let cache: KVCache
    private var buffers: InferenceBuffers?

    public init(model: GPT, slots: Int, capacity: Int) throws {
        self.model = model
        cache = try KVCache(config: model.config, rows: slots, capacity: capacity)
    }

    public var slots: Int { cache.rows }
    public var capacity: Int { cache.capacity }
    /// Tokens consumed by `slot` so far (0 = free or fresh).
    public func length(of slot: Int) -> Int { cache.lengths[slot] }

    /// Empties `slot` for the next request.
    public func release(slot: Int) throws {
        guard slot >= 0 && slot < slots else { throw NanoChatError("SlotDecoder: slot \(slot) outside 0..<\(slots)") }
        cache.reset(row: slot)
    }

    /// Feeds `tokens` (a prompt, or more of it) to one slot after what it holds; returns the logits after
    /// the last of them, [vocabSize].
    public func prefill(slot: Int, tokens: [Int32]) throws -> [Float] {
        guard !tokens.isEmpty else { throw NanoChatError("SlotDecoder: empty prefill for slot \(slot)") }
        return try forward(tokens, T: tokens.count, slots: [slot])
    }

    /// One decode step: tokens[i] goes to slots[i] (distinct), all in one forward. Returns the logits,
    /// [slots.count, vocabSize] in the order of `slots`.
    public func step(slots active: [Int], tokens: [Int32]) throws -> [Float] {
        guard !active.isEmpty, active.count == tokens.count else {
            throw NanoChatError("SlotDecoder: \(tokens.count) tokens for \(active.count) slots (need one per slot)")
        }
        return try forward(tokens, T: 1, slots: active)
    }

    private func forward(_ tokens: [Int32], T: Int, slots active: [Int]) throws -> [Float] {
        let N = tokens.count
        if buffers == nil || buffers!.capacity < N {
            buffers = nil   // free the old set first
            buffers = InferenceBuffers(config: model.config, rows: N)
        }
        var logits = [Float](repeating: 0, count: active.count * model.config.vocabSize)
        try tokens.withUnsafeBufferPointer { tb in
            try logits.withUnsafeMutableBufferPointer { lb in
                try model.forwardCached(tb.baseAddress!, T: T, cache: cache, buffers: buffers!, slots: active,
                                        logits: lb.baseAddress!)
            }
        }
        return logits
    }
}

/// One row of the server's ragged forward: its cache (one row, its own length) and the new tokens to feed it.
struct RaggedRow {
    let cache: KVCache
    let tokens: [Int32]
    /// Logits for every new position (prompt scoring), not only the last.
    let allLogits: Bool
}

extension GPT {
    /// Feeds each row's tokens after its cached positions and advances its cache, all in one forward.
    /// Returns, per row, the softcapped logits [positions, vocabSize] of its last new position (or all of
    /// them with `allLogits`); with `argmax` ([rows.count]) also each row's first argmax at its last new
    /// position (greedy decoding's pick, found in the head's pass).
    func forwardRagged(_ rows: [RaggedRow], buffers: inout InferenceBuffers?, argmax: UnsafeMutablePointer<Int32>? = nil) throws -> [[Float]] {
        guard !rows.isEmpty else { return [] }
        let V = config.vocabSize
        var tokens: [Int32] = [], wanted: [Int] = []
        for (r, row) in rows.enumerated() {
            guard row.cache.rows == 1, !row.tokens.isEmpty else { throw NanoChatError("GPT.forwardRagged: row \(r) needs a one-row cache and tokens") }
            let n0 = tokens.count
            tokens += row.tokens
            if row.allLogits { wanted += Array(n0..<tokens.count) } else { wanted.append(tokens.count - 1) }
        }
        if buffers == nil || buffers!.capacity < tokens.count { buffers = nil; buffers = InferenceBuffers(config: config, rows: tokens.count) }
        var out = [Float](repeating: 0, count: wanted.count * V)
        var picks = [Int32](repeating: 0, count: argmax == nil ? 0 : wanted.count)
        try tokens.withUnsafeBufferPointer { tb in
            try out.withUnsafeMutableBufferPointer { ob in
                try picks.withUnsafeMutableBufferPointer { pb in
                    try forwardCached(tb.baseAddress!, segments: rows.map { CachedSegment(cache: $0.cache, row: 0, count: $0.tokens.count) },
                                      buffers: buffers!, logitRows: wanted, logits: ob.baseAddress!, argmax: argmax == nil ? nil : pb.baseAddress!)
                }
            }
        }
        var result: [[Float]] = [], i = 0
        for (r, row) in rows.enumerated() {
            let m = row.allLogits ? row.tokens.count : 1
            result.append(Array(out[(i * V)..<((i + m) * V)])); i += m
            argmax?[r] = picks.isEmpty ? 0 : picks[i - 1]
        }
        return result
    }
}
