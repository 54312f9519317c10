import Foundation

// Causal sliding-window attention with GQA, flash-style: the forward keeps only the per-query
// log-sum-exp; the backward recomputes the probabilities block by block. Query position t attends key
// j iff j ≤ t and t − j ≤ left (nanochat/gpt.py: GPT._compute_window_sizes). Every product is a BLAS GEMM over a
// block of `attnBlock` queries and the keys their windows reach (the masked half and everything left of the
// window are never computed). Work items are (batch, kv head) pairs, each with all its query heads (so
// no two workers write the same dk/dv). They are split between the workers, each with single-threaded
// BLAS and its own scratch (about 2× faster than 2-thread BLAS on these 128-row GEMMs: dev/LOG.md
// 2026-12-05 00:30); one pair, or pairs that do not spread evenly, run in sequence with OpenBLAS on every
// core and the row softmax in parallel. A head's result is the same either way (OpenBLAS splits a GEMM's
// rows/columns between threads, never its sums).

let attnBlock = 128

/// Floats of scratch one worker needs per buffer (two buffers: probabilities and their gradient).
func attentionScratchCount(T: Int, left: Int) -> Int { attnBlock * (attnBlock + min(left, T)) }

/// Scratch for `workers` attention workers: worker w uses scores[w·count ..< (w+1)·count] (and the
/// same slice of grads in the backward).
struct AttentionScratch {
    let scores: UnsafeMutablePointer<Float>
    let grads: UnsafeMutablePointer<Float>?
    let count: Int      // floats per worker and buffer, ≥ attentionScratchCount(T, left) of every call
    let workers: Int
}

/// Runs body(b, kvh, scratch slice, rowsParallel) for every (batch, kv head) pair: between the scratch's
/// workers when the pairs divide evenly among them (or are many); in sequence otherwise.
private func forEachHeadPair(B: Int, Hkv: Int, _ scratch: AttentionScratch,
                             _ body: (Int, Int, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?, Bool) -> Void) {
    let items = B * Hkv
    let W = min(scratch.workers, Threads.count, items)
    guard W > 1, items % W == 0 || items >= 4 * W else {
        for item in 0..<items { body(item / Hkv, item % Hkv, scratch.scores, scratch.grads, true) }
        return
    }
    Threads.eachWorkerWithOwnBLAS(W) { w in
        let S = scratch.scores + w * scratch.count, dP = scratch.grads.map { $0 + w * scratch.count }
        for item in (items * w / W)..<(items * (w + 1) / W) { body(item / Hkv, item % Hkv, S, dP, false) }
    }
}

/// Rows 0..<m one after another, or split between the threads.
@inline(__always) private func forRows(_ m: Int, parallel: Bool, _ body: (Range<Int>) -> Void) {
    if parallel { Threads.parallelFor(m, minChunk: 16, body) } else { body(0..<m) }
}

/// y: [B,T,H,D]; lse: [B,H,T]; q: [B,T,H,D]; k, v: [B,kvRows,Hkv,D]; scratch: scores, attentionScratchCount(start+T, left)
/// floats per worker.
/// The T queries sit at positions start..<start+T and attend keys 0..<start+T of their row (a KV cache
/// holding `start` earlier positions followed by the new ones; kvRows ≥ start+T is the cache's row
/// stride). Training: start 0, kvRows T.
func attentionForward(_ y: UnsafeMutablePointer<Float>, _ lse: UnsafeMutablePointer<Float>,
                      _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                      _ B: Int, _ T: Int, _ H: Int, _ Hkv: Int, _ D: Int, left: Int, scratch: AttentionScratch,
                      start: Int = 0, kvRows: Int? = nil) {
    let scale = 1 / Float(D).squareRoot()
    let qs = H * D, ks = Hkv * D, group = H / Hkv, Tk = kvRows ?? T
    precondition(scratch.count >= attentionScratchCount(T: start + T, left: left), "attentionForward: scratch too small")
    forEachHeadPair(B: B, Hkv: Hkv, scratch) { b, kvh, S, _, rowsParallel in
        let kb = k + b * Tk * ks + kvh * D, vb = v + b * Tk * ks + kvh * D
        for h in (kvh * group)..<((kvh + 1) * group) {
            let qb = q + b * T * qs + h * D, yb = y + b * T * qs + h * D, lb = lse + (b * H + h) * T
            var q0 = 0
            while q0 < T {
                let q1 = min(T, q0 + attnBlock), m = q1 - q0
                let k0 = max(0, start + q0 - left), kn = start + q1 - k0
                BLAS.sgemm(transA: false, transB: true, M: m, N: kn, K: D, alpha: scale, A: qb + q0 * qs, lda: qs,
                           B: kb + k0 * ks, ldb: ks, beta: 0, C: S, ldc: kn)
                forRows(m, parallel: rowsParallel) { r in
                    for i in r {
                        let t = q0 + i, p = start + t, row = S + i * kn
                        let lo = max(0, p - left) - k0, hi = p - k0 + 1   // valid keys [lo, hi)
                        var mx = -Float.infinity
                        for j in lo..<hi { mx = max(mx, row[j]) }
                        var sum: Float = 0
                        softmaxExp(row, lo, hi, mx, &sum)
                        let inv = 1 / sum
                        for j in 0..<lo { row[j] = 0 }
                        for j in lo..<hi { row[j] *= inv }
                        for j in hi..<kn { row[j] = 0 }
                        lb[t] = mx + Foundation.log(sum)
                    }
                }
                BLAS.sgemm(transA: false, transB: false, M: m, N: D, K: kn, A: S, lda: kn, B: vb + k0 * ks, ldb: ks,
                           beta: 0, C: yb + q0 * qs, ldc: qs)
                q0 = q1
            }
        }
    }
}

/// row[j] = exp(row[j] − mx) for j in [lo, hi), sum accumulated.
@inline(__always) private func softmaxExp(_ row: UnsafeMutablePointer<Float>, _ lo: Int, _ hi: Int, _ mx: Float,
                                          _ sum: inout Float) {
    var j = lo, acc = F8()
    let m8 = F8(repeating: mx)
    while j + 8 <= hi { let e = vexp(load8(row + j) - m8); store8(row + j, e); acc += e; j += 8 }
    var s = acc.sum()
    while j < hi { let e = Foundation.exp(row[j] - mx); row[j] = e; s += e; j += 1 }
    sum = s
}

/// dq += ∂/∂q, dk += ∂/∂k, dv += ∂/∂v given dy, the forward inputs, the output y and lse.
/// scratch: scores and grads, attentionScratchCount(T, left) floats per worker each.
func attentionBackward(_ dq: UnsafeMutablePointer<Float>, _ dk: UnsafeMutablePointer<Float>, _ dv: UnsafeMutablePointer<Float>,
                       _ dy: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>,
                       _ v: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ lse: UnsafePointer<Float>,
                       _ B: Int, _ T: Int, _ H: Int, _ Hkv: Int, _ D: Int, left: Int, scratch: AttentionScratch) {
    let scale = 1 / Float(D).squareRoot()
    let qs = H * D, ks = Hkv * D, group = H / Hkv
    precondition(scratch.grads != nil && scratch.count >= attentionScratchCount(T: T, left: left),
                 "attentionBackward: scratch too small")
    forEachHeadPair(B: B, Hkv: Hkv, scratch) { b, kvh, S, dPOpt, rowsParallel in
        let dP = dPOpt!
        let ko = b * T * ks + kvh * D
        let kb = k + ko, vb = v + ko, dkb = dk + ko, dvb = dv + ko
        for h in (kvh * group)..<((kvh + 1) * group) {
            let qo = b * T * qs + h * D
            let qb = q + qo, yb = y + qo, dyb = dy + qo, dqb = dq + qo, lb = lse + (b * H + h) * T
            var q0 = 0
            while q0 < T {
                let q1 = min(T, q0 + attnBlock), m = q1 - q0
                let k0 = max(0, q0 - left), kn = q1 - k0
                BLAS.sgemm(transA: false, transB: true, M: m, N: kn, K: D, alpha: scale, A: qb + q0 * qs, lda: qs,
                           B: kb + k0 * ks, ldb: ks, beta: 0, C: S, ldc: kn)
                BLAS.sgemm(transA: false, transB: true, M: m, N: kn, K: D, A: dyb + q0 * qs, lda: qs,
                           B: vb + k0 * ks, ldb: ks, beta: 0, C: dP, ldc: kn)
                forRows(m, parallel: rowsParallel) { r in
                    for i in r {
                        let t = q0 + i, row = S + i * kn, drow = dP + i * kn
                        let lo = max(0, t - left) - k0, hi = t - k0 + 1
                        let delta = vdot(dyb + t * qs, yb + t * qs, D)
                        let l8 = F8(repeating: lb[t]), d8 = F8(repeating: delta)
                        for j in 0..<lo { row[j] = 0; drow[j] = 0 }
                        var j = lo
                        while j + 8 <= hi {
                            let p = vexp(load8(row + j) - l8)
                            store8(row + j, p); store8(drow + j, p * (load8(drow + j) - d8)); j += 8
                        }
                        while j < hi {
                            let p = Foundation.exp(row[j] - lb[t])
                            row[j] = p; drow[j] = p * (drow[j] - delta); j += 1
                        }
                        for j in hi..<kn { row[j] = 0; drow[j] = 0 }
                    }
                }
                // dq += scale·dS·K ; dk += scale·dSᵀ·Q ; dv += Pᵀ·dY
                BLAS.sgemm(transA: false, transB: false, M: m, N: D, K: kn, alpha: scale, A: dP, lda: kn,
                           B: kb + k0 * ks, ldb: ks, beta: 1, C: dqb + q0 * qs, ldc: qs)
                BLAS.sgemm(transA: true, transB: false, M: kn, N: D, K: m, alpha: scale, A: dP, lda: kn,
                           B: qb + q0 * qs, ldb: qs, beta: 1, C: dkb + k0 * ks, ldc: ks)
                BLAS.sgemm(transA: true, transB: false, M: kn, N: D, K: m, A: S, lda: kn,
                           B: dyb + q0 * qs, ldb: qs, beta: 1, C: dvb + k0 * ks, ldc: ks)
                q0 = q1
            }
        }
    }
}
