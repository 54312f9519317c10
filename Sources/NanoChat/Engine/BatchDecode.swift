// One forward over rows that each have their own KV cache and position (continuous batching: a row may
// be a new request's whole prompt or one token of a request already decoding). Every per-token layer
// (embedding, norms, projections, MLP, head) runs once over all rows' tokens; smear, rotary, the cache
// append and attention run per row at its own position. Same layer sequence as forwardCached, which
// the batched-vs-alone tests hold it to. A minimal version until the decode kernels get a ragged path.

/// One row of a ragged forward: its cache (one row, its own length) and the new tokens to feed it.
struct RaggedRow {
    let cache: KVCache
    let tokens: [Int32]
    /// Logits for every new position (prompt scoring), not only the last.
    let allLogits: Bool
}

extension GPT {
    /// Feeds each row's tokens after its cached positions and advances its cache. Returns, per row, the
    /// softcapped logits [positions, vocabSize] of its last new position (or all of them with `allLogits`).
    func forwardRagged(_ rows: [RaggedRow], buffers: inout InferenceBuffers?) throws -> [[Float]] {
        let c = config, C = c.nEmbd, H = c.nHead, Hkv = c.nKvHead, D = c.headDim, L = c.nLayer, V = c.vocabSize
        guard !rows.isEmpty else { return [] }
        var offsets: [Int] = [], N = 0
        for (r, row) in rows.enumerated() {
            guard row.cache.rows == 1, !row.tokens.isEmpty else { throw NanoChatError("GPT.forwardRagged: row \(r) needs a one-row cache and tokens") }
            guard row.cache.length + row.tokens.count <= row.cache.capacity else {
                throw NanoChatError("GPT.forwardRagged: row \(r): \(row.cache.length + row.tokens.count) positions exceed its cache capacity \(row.cache.capacity)")
            }
            for t in row.tokens where t < 0 || Int(t) >= c.paddedVocab {
                throw NanoChatError("GPT.forwardRagged: token id \(t) out of range 0..<\(c.paddedVocab)")
            }
            offsets.append(N); N += row.tokens.count
        }
        if buffers == nil || buffers!.capacity < N { buffers = nil; buffers = InferenceBuffers(config: c, rows: N) }
        let a = buffers!, P = params.ptr
        var n = 0
        for row in rows { for t in row.tokens { a.idx[n] = t; n += 1 } }
        embeddingForward(a.x, a.idx, P + oWte, N, C)
        rmsnormForward(a.xe, a.rstd, a.x, N, C)
        for (r, row) in rows.enumerated() {
            let n0 = offsets[r], T = row.tokens.count
            smearForward(a.x0 + n0 * C, a.sig + n0, a.xe + n0 * C, P + oSmearGate, P[oSmearL], 1, T, C,
                         prev: row.cache.length > 0 ? UnsafePointer(row.cache.prev) : nil)
            row.cache.prev.update(from: a.xe + (n0 + T - 1) * C, count: C)
        }
        a.x.update(from: a.x0, count: N * C)
        let kvWidth = Hkv * D
        rope.cos.withUnsafeBufferPointer { cosb in
        rope.sin.withUnsafeBufferPointer { sinb in
            let cosT = cosb.baseAddress!, sinT = sinb.baseAddress!
            for l in 0..<L {
                let w = lp[l]
                residualMixForward(a.x, a.x, a.x0, P[oResid + l], P[oX0 + l], N * C)
                rmsnormForward(a.xn, a.rstd, a.x, N, C)
                linearForward(a.q, a.xn, P + w.q, N, C, H * D)
                linearForward(a.k, a.xn, P + w.k, N, C, kvWidth)
                linearForward(a.v, a.xn, P + w.v, N, C, kvWidth)
                if let g = w.veGate, let ve = w.ve {
                    valueEmbedForward(a.v, a.gate, a.xn, P + g, P + ve, a.idx, N, Hkv, D, C)
                }
                for (r, row) in rows.enumerated() {
                    let n0 = offsets[r], T = row.tokens.count, start = row.cache.length
                    rotaryForward(a.q + n0 * H * D, T, H, D, T, cosT, sinT, start: start)
                    rotaryForward(a.k + n0 * kvWidth, T, Hkv, D, T, cosT, sinT, start: start)
                }
                rmsnormForward(a.q, a.rstd, a.q, N * H, D, gain: 1.2)
                rmsnormForward(a.k, a.rstd, a.k, N * Hkv, D, gain: 1.2)
                for (r, row) in rows.enumerated() {   // append this layer's keys/values, attend within the row
                    let n0 = offsets[r], T = row.tokens.count, start = row.cache.length, cache = row.cache
                    let base = cache.offset(layer: l, row: 0)
                    (cache.k + base + start * kvWidth).update(from: a.k + n0 * kvWidth, count: T * kvWidth)
                    (cache.v + base + start * kvWidth).update(from: a.v + n0 * kvWidth, count: T * kvWidth)
                    attentionForward(a.y + n0 * H * D, a.lse + n0 * H, a.q + n0 * H * D, cache.k + base, cache.v + base,
                                     1, T, H, Hkv, D, left: windows[l], scratch: a.attnS, start: start, kvRows: cache.capacity)
                }
                linearForward(a.tmp, a.y, P + w.proj, N, H * D, C)
                addScaled(a.x, a.x, 1, a.tmp, N * C)
                rmsnormForward(a.xn, a.rstd, a.x, N, C)
                linearForward(a.h, a.xn, P + w.fc, N, C, 4 * C)
                relu2Forward(a.h, a.h, N * 4 * C)
                linearForward(a.tmp, a.h, P + w.mproj, N, 4 * C, C)
                addScaled(a.x, a.x, 1, a.tmp, N * C)
                if l == L / 2 { a.backout.update(from: a.x, count: N * C) }
            }
        }
        }
        for (r, row) in rows.enumerated() { row.cache.length += row.tokens.count; _ = r }
        // backout, final norm and head only for the positions whose logits are wanted
        var wanted: [Int] = []
        for (r, row) in rows.enumerated() {
            let n0 = offsets[r], T = row.tokens.count
            if row.allLogits { wanted += Array(n0..<(n0 + T)) } else { wanted.append(n0 + T - 1) }
        }
        for (i, n) in wanted.enumerated() { addScaled(a.tmp + i * C, a.x + n * C, -P[oBackoutL], a.backout + n * C, C) }
        let M = wanted.count
        var out = [Float](repeating: 0, count: M * V)
        rmsnormForward(a.xn, a.rstd, a.tmp, M, C)
        out.withUnsafeMutableBufferPointer { ob in
            var head = HeadOutputs()
            head.logits = ob.baseAddress!
            lmHeadForward(head, a.xn, P + oLm, nil, M, C, V, chunk: a.headChunk, rows: a.headRows,
                          scratch: a.headScratch, workers: a.headWorkers)
        }
        var result: [[Float]] = [], i = 0
        for row in rows {
            let m = row.allLogits ? row.tokens.count : 1
            result.append(Array(out[(i * V)..<((i + m) * V)])); i += m
        }
        return result
    }
}
