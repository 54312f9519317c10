import Foundation

// Causal sliding-window attention with GQA, flash-style: the forward keeps only the per-query
// log-sum-exp; the backward recomputes the probabilities block by block. Query position t attends key
// j iff j ≤ t and t − j ≤ left (nanochat/gpt.py: GPT._compute_window_sizes). Every product is a BLAS GEMM over a
// block of `attnBlock` queries and the keys their windows reach; (batch, head, block) run in sequence so OpenBLAS
// gets both cores, the row softmax runs in parallel.

let attnBlock = 128

/// Floats of scratch the attention needs per buffer (two buffers: probabilities and their gradient).
func attentionScratchCount(T: Int, left: Int) -> Int { attnBlock * (attnBlock + min(left, T)) }

/// y: [B,T,H,D]; lse: [B,H,T]; q: [B,T,H,D]; k, v: [B,kvRows,Hkv,D]; S: scratch (attentionScratchCount).
/// The T queries sit at positions start..<start+T and attend keys 0..<start+T of their row (a KV cache
/// holding `start` earlier positions followed by the new ones; kvRows ≥ start+T is the cache's row
/// stride). Training: start 0, kvRows T.
func attentionForward(_ y: UnsafeMutablePointer<Float>, _ lse: UnsafeMutablePointer<Float>,
                      _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                      _ B: Int, _ T: Int, _ H: Int, _ Hkv: Int, _ D: Int, left: Int, scratch S: UnsafeMutablePointer<Float>,
                      start: Int = 0, kvRows: Int? = nil) {
    let scale = 1 / Float(D).squareRoot()
    let qs = H * D, ks = Hkv * D, group = H / Hkv, Tk = kvRows ?? T
    for b in 0..<B {
        for h in 0..<H {
            let kvh = h / group
            let qb = q + b * T * qs + h * D, kb = k + b * Tk * ks + kvh * D, vb = v + b * Tk * ks + kvh * D
            let yb = y + b * T * qs + h * D, lb = lse + (b * H + h) * T
            var q0 = 0
            while q0 < T {
                let q1 = min(T, q0 + attnBlock), m = q1 - q0
                let k0 = max(0, start + q0 - left), kn = start + q1 - k0
                BLAS.sgemm(transA: false, transB: true, M: m, N: kn, K: D, alpha: scale, A: qb + q0 * qs, lda: qs,
                           B: kb + k0 * ks, ldb: ks, beta: 0, C: S, ldc: kn)
                Threads.parallelFor(m, minChunk: 16) { r in
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
/// S and dP: scratch buffers of attentionScratchCount floats each.
func attentionBackward(_ dq: UnsafeMutablePointer<Float>, _ dk: UnsafeMutablePointer<Float>, _ dv: UnsafeMutablePointer<Float>,
                       _ dy: UnsafePointer<Float>, _ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>,
                       _ v: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ lse: UnsafePointer<Float>,
                       _ B: Int, _ T: Int, _ H: Int, _ Hkv: Int, _ D: Int, left: Int,
                       scratch S: UnsafeMutablePointer<Float>, _ dP: UnsafeMutablePointer<Float>) {
    let scale = 1 / Float(D).squareRoot()
    let qs = H * D, ks = Hkv * D, group = H / Hkv
    for b in 0..<B {
        for h in 0..<H {
            let kvh = h / group
            let qo = b * T * qs + h * D, ko = b * T * ks + kvh * D
            let qb = q + qo, kb = k + ko, vb = v + ko, yb = y + qo, dyb = dy + qo
            let dqb = dq + qo, dkb = dk + ko, dvb = dv + ko, lb = lse + (b * H + h) * T
            var q0 = 0
            while q0 < T {
                let q1 = min(T, q0 + attnBlock), m = q1 - q0
                let k0 = max(0, q0 - left), kn = q1 - k0
                BLAS.sgemm(transA: false, transB: true, M: m, N: kn, K: D, alpha: scale, A: qb + q0 * qs, lda: qs,
                           B: kb + k0 * ks, ldb: ks, beta: 0, C: S, ldc: kn)
                BLAS.sgemm(transA: false, transB: true, M: m, N: kn, K: D, A: dyb + q0 * qs, lda: qs,
                           B: vb + k0 * ks, ldb: ks, beta: 0, C: dP, ldc: kn)
                Threads.parallelFor(m, minChunk: 16) { r in
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
