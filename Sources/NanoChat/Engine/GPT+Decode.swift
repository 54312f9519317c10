// The forward pass with a KV cache (nanochat's forward(idx, kv_cache)): T new tokens for each of B cache
// rows ("slots"), each slot at its own position (its cache length); their keys/values are written into
// the cache, attention reads the slot's cached positions within each layer's window, smear mixes in the
// slot's cached previous embedding. Reads the parameters only: many callers may run it at once on one
// GPT, each with its own cache and buffers. The attention inputs are the training forward's
// (`attentionInputs`); the cached-vs-full tests hold the rest together.

extension GPT {
    /// Runs `tokens` ([B, T] row-major) through the model after the cached positions of the cache rows
    /// `slots` (B of them, distinct; nil = every row 0..<cache.rows) and advances each by T. Writes the
    /// softcapped logits of the positions `logitRows` (indices into the B·T new positions; nil = the last
    /// position of every row) to `logits`, [count, vocabSize]. T = 1 is a decode step: one weight pass
    /// for all rows, attention by `decodeAttention`; T > 1 (prefill) goes through the training GEMMs.
    func forwardCached(_ tokens: UnsafePointer<Int32>, T: Int, cache: KVCache, buffers: InferenceBuffers,
                       slots: [Int]? = nil, logitRows: [Int]? = nil, logits out: UnsafeMutablePointer<Float>) throws {
        let c = config, rowsIn = slots ?? Array(0..<cache.rows), B = rowsIn.count, N = B * T
        let C = c.nEmbd, H = c.nHead, Hkv = c.nKvHead, D = c.headDim, L = c.nLayer, V = c.vocabSize
        guard T > 0, B > 0 else { throw NanoChatError("GPT.forwardCached: no new tokens") }
        guard Set(rowsIn).count == B, rowsIn.allSatisfy({ $0 >= 0 && $0 < cache.rows }) else {
            throw NanoChatError("GPT.forwardCached: slots \(rowsIn) must be distinct rows of 0..<\(cache.rows)")
        }
        for s in rowsIn where cache.lengths[s] + T > cache.capacity {
            throw NanoChatError("GPT.forwardCached: \(cache.lengths[s] + T) positions exceed the KV cache capacity \(cache.capacity)")
        }
        guard buffers.capacity >= N else { throw NanoChatError("GPT.forwardCached: buffers hold \(buffers.capacity) rows, need \(N)") }
        for n in 0..<N where tokens[n] < 0 || Int(tokens[n]) >= c.paddedVocab {
            throw NanoChatError("GPT.forwardCached: token id \(tokens[n]) out of range 0..<\(c.paddedVocab)")
        }
        let rowsOut = logitRows ?? (0..<B).map { $0 * T + T - 1 }
        guard rowsOut.count <= N else { throw NanoChatError("GPT.forwardCached: \(rowsOut.count) logit rows requested, at most \(N)") }
        for n in rowsOut where n < 0 || n >= N { throw NanoChatError("GPT.forwardCached: logit row \(n) outside 0..<\(N)") }
        let a = buffers, P = params.ptr
        for (b, s) in rowsIn.enumerated() { a.starts[b] = cache.lengths[s] }
        a.idx.update(from: tokens, count: N)
        embeddingForward(a.x, a.idx, P + oWte, N, C)
        rmsnormForward(a.xe, a.rstd, a.x, N, C)
        // smear: a row's first new token mixes in the slot's cached previous embedding (zero when empty)
        let anyCached = rowsIn.contains { cache.lengths[$0] > 0 }
        for (b, s) in rowsIn.enumerated() { (a.prev + b * C).update(from: cache.prev + s * C, count: C) }
        smearForward(a.x0, a.sig, a.xe, P + oSmearGate, P[oSmearL], B, T, C, prev: anyCached ? UnsafePointer(a.prev) : nil)
        for (b, s) in rowsIn.enumerated() { (cache.prev + s * C).update(from: a.xe + (b * T + T - 1) * C, count: C) }
        a.x.update(from: a.x0, count: N * C)   // the residual stream; layer 0's input is x0
        let kvWidth = Hkv * D
        let inputs = AttentionInputBuffers(xn: a.xn, rstd: a.rstd, q: a.q, k: a.k, v: a.v, gate: a.gate, rstdq: a.rstd, rstdk: a.rstd)
        rope.cos.withUnsafeBufferPointer { cosb in
        rope.sin.withUnsafeBufferPointer { sinb in
            let cosT = cosb.baseAddress!, sinT = sinb.baseAddress!
            for l in 0..<L {
                let w = lp[l]
                residualMixForward(a.x, a.x, a.x0, P[oResid + l], P[oX0 + l], N * C)
                // attention
                attentionInputs(layer: l, inputs, a.x, a.idx, B: B, T: T, starts: a.starts, cosT, sinT)
                for (b, s) in rowsIn.enumerated() {   // append this layer's new keys/values to the cache
                    a.kvOffsets[b] = cache.offset(layer: l, row: s)
                    let o = a.kvOffsets[b] + a.starts[b] * kvWidth
                    (cache.k + o).update(from: a.k + b * T * kvWidth, count: T * kvWidth)
                    (cache.v + o).update(from: a.v + b * T * kvWidth, count: T * kvWidth)
                }
                if T == 1 {
                    decodeAttention(a.y, a.q, cache.k, cache.v, kvOffsets: a.kvOffsets, positions: a.starts, B, H, Hkv, D,
                                    left: windows[l])
                } else {
                    for b in 0..<B {
                        let qo = b * T * H * D
                        attentionForward(a.y + qo, a.lse, a.q + qo, cache.k + a.kvOffsets[b], cache.v + a.kvOffsets[b],
                                         1, T, H, Hkv, D, left: windows[l], scratch: a.attnS, start: a.starts[b],
                                         kvRows: cache.capacity)
                    }
                }
                linearForward(a.tmp, a.y, P + w.proj, N, H * D, C)
                addScaled(a.x, a.x, 1, a.tmp, N * C)
                // MLP
                rmsnormForward(a.xn, a.rstd, a.x, N, C)
                linearForward(a.h, a.xn, P + w.fc, N, C, 4 * C)
                relu2Forward(a.h, a.h, N * 4 * C)
                linearForward(a.tmp, a.h, P + w.mproj, N, 4 * C, C)
                addScaled(a.x, a.x, 1, a.tmp, N * C)
                if l == L / 2 { a.backout.update(from: a.x, count: N * C) }
            }
        }
        }
        for (b, s) in rowsIn.enumerated() { cache.lengths[s] = a.starts[b] + T }
        // backout and the final norm, only for the rows whose logits are wanted
        for (i, n) in rowsOut.enumerated() { addScaled(a.tmp + i * C, a.x + n * C, -P[oBackoutL], a.backout + n * C, C) }
        let M = rowsOut.count
        rmsnormForward(a.xn, a.rstd, a.tmp, M, C)
        if M <= smallGEMMMaxRows {
            decodeHead(out, a.xn, P + oLm, M, C, V)
        } else {
            var head = HeadOutputs()
            head.logits = out
            lmHeadForward(head, a.xn, P + oLm, nil, M, C, V, chunk: a.headChunk, rows: a.headRows,
                          scratch: a.headScratch, workers: a.headWorkers)
        }
    }
}
