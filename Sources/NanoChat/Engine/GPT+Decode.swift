// The forward pass with a KV cache (nanochat's forward(idx, kv_cache)), ragged: each segment is one
// sequence (a row of some KVCache) taking its own number of new tokens after its own cached positions,
// so one forward can hold a new request's prompt next to other requests' single decode tokens. Their
// keys/values are written into their caches, attention reads each sequence's cached positions within
// each layer's window, smear mixes in its cached previous embedding. Every per-token layer (embedding,
// norms, projections, MLP, head) runs once over all segments' tokens: one pass over the weights. Reads
// the parameters only: many callers may run it at once on one GPT, each with its own caches and buffers.
// The attention inputs are the training forward's (`attentionInputs`); the cached-vs-full tests hold the
// rest together.

/// One sequence of a ragged forward: row `row` of `cache`, fed the next `count` tokens.
struct CachedSegment {
    let cache: KVCache
    let row: Int
    let count: Int
}

/// Set by a profiler (infer_bench --profile): every cached forward charges its parts to these timers
/// (one clock read per part and layer). Nil, the default, times nothing. One decoder at a time.
public enum DecodeProfile {
    nonisolated(unsafe) public static var timers: PhaseTimers?
}

extension GPT {
    /// Runs `tokens` ([B, T] row-major) through the model after the cached positions of the cache rows
    /// `slots` (B of them, distinct; nil = every row 0..<cache.rows) and advances each by T. Writes the
    /// softcapped logits of the positions `logitRows` (indices into the B·T new positions; nil = the last
    /// position of every row) to `logits`, [count, vocabSize], and with `argmax` each of those rows' first
    /// maximum, [count] (greedy decoding's pick, found in the head's pass).
    func forwardCached(_ tokens: UnsafePointer<Int32>, T: Int, cache: KVCache, buffers: InferenceBuffers,
                       slots: [Int]? = nil, logitRows: [Int]? = nil, logits out: UnsafeMutablePointer<Float>,
                       argmax: UnsafeMutablePointer<Int32>? = nil) throws {
        let rowsIn = slots ?? Array(0..<cache.rows), B = rowsIn.count
        guard T > 0, B > 0 else { throw NanoChatError("GPT.forwardCached: no new tokens") }
        guard rowsIn.allSatisfy({ $0 >= 0 && $0 < cache.rows }) else {
            throw NanoChatError("GPT.forwardCached: slots \(rowsIn) must be rows of 0..<\(cache.rows)")
        }
        try forwardCached(tokens, segments: rowsIn.map { CachedSegment(cache: cache, row: $0, count: T) }, buffers: buffers,
                          logitRows: logitRows ?? (0..<B).map { $0 * T + T - 1 }, logits: out, argmax: argmax)
    }

    /// The ragged forward: segment s takes tokens[n_s ..< n_s + count_s] (segments packed in order) and
    /// advances its cache row by count_s. Logits of the new positions `logitRows` go to `logits`,
    /// [logitRows.count, vocabSize], and their argmax to `argmax`, [logitRows.count], when given. A segment of
    /// one token (decoding) attends by `decodeAttention`, all of them together; a longer one (prefill)
    /// through the training attention over its own cache row.
    func forwardCached(_ tokens: UnsafePointer<Int32>, segments: [CachedSegment], buffers: InferenceBuffers,
                       logitRows rowsOut: [Int], logits out: UnsafeMutablePointer<Float>,
                       argmax: UnsafeMutablePointer<Int32>? = nil) throws {
        let c = config, C = c.nEmbd, H = c.nHead, Hkv = c.nKvHead, D = c.headDim, L = c.nLayer, V = c.vocabSize
        guard !segments.isEmpty, segments.allSatisfy({ $0.count > 0 }) else { throw NanoChatError("GPT.forwardCached: no new tokens") }
        var seen: [ObjectIdentifier: Set<Int>] = [:], offsets: [Int] = [], N = 0
        for s in segments {
            guard s.row >= 0 && s.row < s.cache.rows, seen[ObjectIdentifier(s.cache), default: []].insert(s.row).inserted else {
                throw NanoChatError("GPT.forwardCached: cache row \(s.row) fed twice in one forward (or outside 0..<\(s.cache.rows))")
            }
            guard s.cache.lengths[s.row] + s.count <= s.cache.capacity else {
                throw NanoChatError("GPT.forwardCached: \(s.cache.lengths[s.row] + s.count) positions exceed the KV cache capacity \(s.cache.capacity)")
            }
            offsets.append(N); N += s.count
        }
        guard buffers.capacity >= N else { throw NanoChatError("GPT.forwardCached: buffers hold \(buffers.capacity) rows, need \(N)") }
        for n in 0..<N where tokens[n] < 0 || Int(tokens[n]) >= c.paddedVocab {
            throw NanoChatError("GPT.forwardCached: token id \(tokens[n]) out of range 0..<\(c.paddedVocab)")
        }
        guard rowsOut.count <= N else { throw NanoChatError("GPT.forwardCached: \(rowsOut.count) logit rows requested, at most \(N)") }
        for n in rowsOut where n < 0 || n >= N { throw NanoChatError("GPT.forwardCached: logit row \(n) outside 0..<\(N)") }
        let a = buffers, P = params.ptr, matrices = matrixSource(scratch: a.widen)
        let tm = DecodeProfile.timers
        tm?.start()
        var decodeRows: [Int] = []   // the one-token segments' token indices
        for (i, s) in segments.enumerated() {
            let start = s.cache.lengths[s.row]
            for t in 0..<s.count { a.positions[offsets[i] + t] = start + t }
            if s.count == 1 { decodeRows.append(offsets[i]) }
        }
        a.idx.update(from: tokens, count: N)
        embeddingForward(a.x, a.idx, P + oWte, N, C)
        rmsnormForward(a.xe, a.rstd, a.x, N, C)
        // smear: a segment's first new token mixes in its cached previous embedding (none when empty)
        for (i, s) in segments.enumerated() {
            let n0 = offsets[i], prev = s.cache.prev + s.row * C
            smearForward(a.x0 + n0 * C, a.sig + n0, a.xe + n0 * C, P + oSmearGate, P[oSmearL], 1, s.count, C,
                         prev: s.cache.lengths[s.row] > 0 ? UnsafePointer(prev) : nil)
            prev.update(from: a.xe + (n0 + s.count - 1) * C, count: C)
        }
        a.x.update(from: a.x0, count: N * C)   // the residual stream; layer 0's input is x0
        let kvWidth = Hkv * D
        let inputs = AttentionInputBuffers(xn: a.xn, rstd: a.rstd, q: a.q, k: a.k, v: a.v, gate: a.gate, rstdq: a.rstd, rstdk: a.rstd)
        var keys = [UnsafePointer<Float>](), values = [UnsafePointer<Float>]()   // per decode row: this layer's cache
        keys.reserveCapacity(decodeRows.count); values.reserveCapacity(decodeRows.count)
        rope.cos.withUnsafeBufferPointer { cosb in
        rope.sin.withUnsafeBufferPointer { sinb in
            let cosT = cosb.baseAddress!, sinT = sinb.baseAddress!
            for l in 0..<L {
                let w = lp[l]
                residualMixForward(a.x, a.x, a.x0, P[oResid + l], P[oX0 + l], N * C)
                // attention
                tm?.lap(.fwdElementwise)
                attentionInputs(layer: l, inputs, a.x, a.idx, B: 1, T: N, positions: a.positions, cosT, sinT, matrices, timers: tm)
                keys.removeAll(keepingCapacity: true); values.removeAll(keepingCapacity: true)
                for (i, s) in segments.enumerated() {   // append this layer's new keys/values to the caches
                    let n0 = offsets[i], base = s.cache.offset(layer: l, row: s.row)
                    let o = base + a.positions[n0] * kvWidth
                    (s.cache.k + o).update(from: a.k + n0 * kvWidth, count: s.count * kvWidth)
                    (s.cache.v + o).update(from: a.v + n0 * kvWidth, count: s.count * kvWidth)
                    if s.count == 1 {
                        keys.append(UnsafePointer(s.cache.k + base)); values.append(UnsafePointer(s.cache.v + base))
                    } else {
                        let qo = n0 * H * D
                        attentionForward(a.y + qo, a.lse, a.q + qo, s.cache.k + base, s.cache.v + base,
                                         1, s.count, H, Hkv, D, left: windows[l], scratch: a.attention, start: a.positions[n0],
                                         kvRows: s.cache.capacity)
                    }
                }
                if !decodeRows.isEmpty {
                    decodeAttention(a.y, a.q, keys: keys, values: values, rows: decodeRows, positions: a.positions,
                                    H, Hkv, D, left: windows[l])
                }
                tm?.lap(.fwdAttention)
                linearForward(a.y, [LinearWeight(offset: w.proj, out: a.tmp, OUT: C)], N, H * D, matrices)
                tm?.lap(.fwdLinear)
                addScaled(a.x, a.x, 1, a.tmp, N * C)
                // MLP
                rmsnormForward(a.xn, a.rstd, a.x, N, C)
                tm?.lap(.fwdElementwise)
                linearForward(a.xn, [LinearWeight(offset: w.fc, out: a.h, OUT: 4 * C)], N, C, matrices)
                tm?.lap(.fwdLinear)
                relu2Forward(a.h, a.h, N * 4 * C)
                tm?.lap(.fwdElementwise)
                linearForward(a.h, [LinearWeight(offset: w.mproj, out: a.tmp, OUT: C)], N, 4 * C, matrices)
                tm?.lap(.fwdLinear)
                addScaled(a.x, a.x, 1, a.tmp, N * C)
                if l == L / 2 { a.backout.update(from: a.x, count: N * C) }
            }
        }
        }
        for (i, s) in segments.enumerated() { s.cache.lengths[s.row] = a.positions[offsets[i]] + s.count }
        // backout and the final norm, only for the rows whose logits are wanted
        for (i, n) in rowsOut.enumerated() { addScaled(a.tmp + i * C, a.x + n * C, -P[oBackoutL], a.backout + n * C, C) }
        let M = rowsOut.count
        guard M > 0 else { return }
        rmsnormForward(a.xn, a.rstd, a.tmp, M, C)
        tm?.lap(.fwdElementwise)
        defer { tm?.lap(.fwdHead) }
        let head = headWeights(scratch: a.widen)
        switch head {
        case .bf16(let W16, _) where M <= smallGEMMMaxRows: decodeHead(out, a.xn, W16, M, C, V, argmax: argmax)
        case .fp32(let W) where M <= smallGEMMMaxRows: decodeHead(out, a.xn, W, M, C, V, argmax: argmax)
        default:
            var outputs = HeadOutputs()
            outputs.logits = out
            outputs.argmax = argmax
            lmHeadForward(outputs, a.xn, head, nil, M, C, V, chunk: a.headChunk, rows: a.headRows,
                          scratch: a.headScratch, workers: a.headWorkers)
        }
    }
}
