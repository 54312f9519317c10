// The forward pass with a KV cache (nanochat's forward(idx, kv_cache)): new tokens at positions
// cache.length..<cache.length+T for every row; their keys/values are written into the cache, attention
// reads all cached positions within each layer's window, smear mixes in the cached previous embedding.
// Reads the parameters only: many callers may run it at once on one GPT, each with its own cache and
// buffers. Same layer sequence as forwardTrunk (the cached-vs-full tests hold them together).

extension GPT {
    /// Runs `tokens` ([B, T] row-major, B = cache.rows) through the model after the cached positions and
    /// advances the cache by T. Writes the softcapped logits of the positions `logitRows` (indices into the
    /// B·T new positions; nil = the last position of every row) to `logits`, [count, vocabSize].
    func forwardCached(_ tokens: UnsafePointer<Int32>, T: Int, cache: KVCache, buffers: InferenceBuffers,
                       logitRows: [Int]? = nil, logits out: UnsafeMutablePointer<Float>) throws {
        let c = config, B = cache.rows, N = B * T, start = cache.length
        let C = c.nEmbd, H = c.nHead, Hkv = c.nKvHead, D = c.headDim, L = c.nLayer, V = c.vocabSize
        guard T > 0 else { throw NanoChatError("GPT.forwardCached: no new tokens") }
        guard start + T <= cache.capacity else {
            throw NanoChatError("GPT.forwardCached: \(start + T) positions exceed the KV cache capacity \(cache.capacity)")
        }
        guard buffers.capacity >= N else { throw NanoChatError("GPT.forwardCached: buffers hold \(buffers.capacity) rows, need \(N)") }
        for n in 0..<N where tokens[n] < 0 || Int(tokens[n]) >= c.paddedVocab {
            throw NanoChatError("GPT.forwardCached: token id \(tokens[n]) out of range 0..<\(c.paddedVocab)")
        }
        let a = buffers, P = params.ptr
        a.idx.update(from: tokens, count: N)
        embeddingForward(a.x, a.idx, P + oWte, N, C)
        rmsnormForward(a.xe, a.rstd, a.x, N, C)
        smearForward(a.x0, a.sig, a.xe, P + oSmearGate, P[oSmearL], B, T, C, prev: start > 0 ? UnsafePointer(cache.prev) : nil)
        for b in 0..<B { (cache.prev + b * C).update(from: a.xe + (b * T + T - 1) * C, count: C) }
        a.x.update(from: a.x0, count: N * C)   // the residual stream; layer 0's input is x0
        let kvWidth = Hkv * D
        rope.cos.withUnsafeBufferPointer { cosb in
        rope.sin.withUnsafeBufferPointer { sinb in
            let cosT = cosb.baseAddress!, sinT = sinb.baseAddress!
            for l in 0..<L {
                let w = lp[l]
                residualMixForward(a.x, a.x, a.x0, P[oResid + l], P[oX0 + l], N * C)
                // attention
                rmsnormForward(a.xn, a.rstd, a.x, N, C)
                linearForward(a.q, a.xn, P + w.q, N, C, H * D)
                linearForward(a.k, a.xn, P + w.k, N, C, kvWidth)
                linearForward(a.v, a.xn, P + w.v, N, C, kvWidth)
                if let g = w.veGate, let ve = w.ve {
                    valueEmbedForward(a.v, a.gate, a.xn, P + g, P + ve, a.idx, N, Hkv, D, C)
                }
                rotaryForward(a.q, N, H, D, T, cosT, sinT, start: start)
                rotaryForward(a.k, N, Hkv, D, T, cosT, sinT, start: start)
                rmsnormForward(a.q, a.rstd, a.q, N * H, D, gain: 1.2)
                rmsnormForward(a.k, a.rstd, a.k, N * Hkv, D, gain: 1.2)
                for b in 0..<B {   // append this layer's new keys/values to the cache
                    let o = cache.offset(layer: l, row: b) + start * kvWidth
                    (cache.k + o).update(from: a.k + b * T * kvWidth, count: T * kvWidth)
                    (cache.v + o).update(from: a.v + b * T * kvWidth, count: T * kvWidth)
                }
                let kl = cache.k + cache.offset(layer: l, row: 0), vl = cache.v + cache.offset(layer: l, row: 0)
                attentionForward(a.y, a.lse, a.q, kl, vl, B, T, H, Hkv, D, left: windows[l], scratch: a.attnS,
                                 start: start, kvRows: cache.capacity)
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
        cache.length = start + T
        // backout and the final norm, only for the rows whose logits are wanted
        let rowsOut = logitRows ?? (0..<B).map { $0 * T + T - 1 }
        guard rowsOut.count <= N else { throw NanoChatError("GPT.forwardCached: \(rowsOut.count) logit rows requested, at most \(N)") }
        for (i, n) in rowsOut.enumerated() {
            guard n >= 0 && n < N else { throw NanoChatError("GPT.forwardCached: logit row \(n) outside 0..<\(N)") }
            addScaled(a.tmp + i * C, a.x + n * C, -P[oBackoutL], a.backout + n * C, C)
        }
        let M = rowsOut.count
        rmsnormForward(a.xn, a.rstd, a.tmp, M, C)
        var head = HeadOutputs()
        head.logits = out
        lmHeadForward(head, a.xn, P + oLm, nil, M, C, V, chunk: a.headChunk, rows: a.headRows,
                      scratch: a.headScratch, workers: a.headWorkers)
    }
}
