import Foundation
import CKernels

// lm_head + softcap + cross-entropy, fused and run in row chunks so the [B·T, V] logits never exist
// at once (nanochat/gpt.py: GPT.forward). In training mode the same pass also produces ∂loss/∂x and ∂loss/∂W_lm_head
// (the backward of the head), so the big GEMM is not recomputed.

let softcap: Float = 15

/// What the head produces besides per-token losses.
struct HeadOutputs {
    var losses: UnsafeMutablePointer<Float>? = nil      // [N] CE per row, 0 where target == -1
    var argmax: UnsafeMutablePointer<Int32>? = nil      // [N] first argmax of the softcapped logits
    var logits: UnsafeMutablePointer<Float>? = nil      // [N, V] softcapped logits (tests, sampling)
    /// training: dx[N, C] = ∂(scale·Σloss)/∂x (overwritten), dW[Vp, C] += ∂/∂W (rows < V)
    var dx: UnsafeMutablePointer<Float>? = nil
    var dW: UnsafeMutablePointer<Float>? = nil
    var scale: Float = 1
    /// [N] or nil: row n's gradient is scaled by scale·rowWeights[n] (chat_rl's advantage per token)
    var rowWeights: UnsafePointer<Float>? = nil
    /// false: the first chunk overwrites dW rows < V (no separate zeroing pass)
    var accumulateW = true
}

/// Rows per chunk: at most ~32M logits (128 MB at V = 32768: 1024 rows). Bigger chunks mean fewer
/// re-packings of W inside the GEMMs and fewer read-modify-write passes over dW.
let defaultHeadChunkBudget = 32 << 20
func headChunkRows(V: Int, budget: Int = defaultHeadChunkBudget) -> Int { max(16, min(1024, budget / max(1, V))) }

/// The lm_head's weights [Vp, C]: fp32, or bf16 (inference) widened into `scratch` (`widenScratchCount`
/// floats) a block of vocabulary rows at a time.
enum HeadWeights {
    case fp32(UnsafePointer<Float>)
    case bf16(UnsafePointer<BF16>, scratch: UnsafeMutablePointer<Float>)
}

/// x: [N, C] final-normed activations; W: [Vp, C]; targets: [N] (or nil: no loss); chunk: R·V floats;
/// scratch: `workers`·V floats (one softmax row per worker thread). Training (dx, dW) needs fp32 weights.
func lmHeadForward(_ out: HeadOutputs, _ x: UnsafePointer<Float>, _ W: HeadWeights, _ targets: UnsafePointer<Int32>?,
                   _ N: Int, _ C: Int, _ V: Int, chunk: UnsafeMutablePointer<Float>, rows R: Int,
                   scratch: UnsafeMutablePointer<Float>, workers: Int) {
    var r0 = 0
    var first = true
    while r0 < N {
        let m = min(R, N - r0)
        switch W {   // logits[:, :V]; padded rows never used
        case .fp32(let w): BLAS.matmulNT(chunk, x + r0 * C, w, M: m, N: V, K: C)
        case .bf16(let w, let s): matmulNTWidened(chunk, ldc: V, x + r0 * C, w, M: m, N: V, K: C, scratch: s)
        }
        let W8 = max(1, min(workers, Threads.count, m))
        Threads.parallelFor(W8) { ws in
            for w in ws {
                for i in (m * w / W8)..<(m * (w + 1) / W8) {
                    headRow(chunk + i * V, V, r0 + i, targets, out, scratch + w * V)
                }
            }
        }
        if let dx = out.dx, let dW = out.dW {
            guard case .fp32(let W) = W else { preconditionFailure("lmHeadForward: the backward needs the fp32 lm_head") }
            BLAS.matmulNN(dx + r0 * C, chunk, W, M: m, N: C, K: V)
            BLAS.matmulTN(dW, chunk, x + r0 * C, M: V, N: C, K: m, accumulate: !first || out.accumulateW)
        }
        first = false
        r0 += m
    }
}

/// One row: softcap in place, loss/argmax/logits, and (training) the row's dlogits in place.
/// The softmax is shifted by the softcap bound 15 instead of the row max: z ≤ 15, so exp(z − 15) lies
/// in [e^−30, 1] (no overflow, no denormals) and one pass computes z and Σexp together.
@inline(__always) private func headRow(_ row: UnsafeMutablePointer<Float>, _ V: Int, _ n: Int,
                                       _ targets: UnsafePointer<Int32>?, _ out: HeadOutputs,
                                       _ e: UnsafeMutablePointer<Float>) {
    let train = out.dx != nil
    // the 8-lane blocks in C (CKernels/head.c: AVX-512 when present), the same lane math as vtanh and vexp
    let n8 = V / 8 * 8
    var s8 = F8()
    withUnsafeMutableBytes(of: &s8) { nc_head_softcap_exp(row, train ? e : nil, n8, $0.baseAddress!.assumingMemoryBound(to: Float.self)) }
    var sum = s8.sum(), j = n8
    while j < V {
        var t = F8(); t[0] = row[j] / softcap
        let z = softcap * vtanh(t)[0]
        row[j] = z
        let ez = Foundation.exp(z - softcap)
        e[j] = ez; sum += ez; j += 1
    }
    if let lg = out.logits { (lg + n * V).update(from: row, count: V) }
    if let am = out.argmax {
        var best = 0
        for k in 0..<V where row[k] > row[best] { best = k }   // first max, like torch.argmax
        am[n] = Int32(best)
    }
    guard let targets else { return }
    let lse = softcap + Foundation.log(sum)
    let tgt = Int(targets[n])
    out.losses?[n] = tgt < 0 ? 0 : lse - row[tgt]
    guard train else { return }
    if tgt < 0 { row.update(repeating: 0, count: V); return }
    // dlogit = (softmax − onehot)·(1 − tanh²)·scale
    let scale = out.scale * (out.rowWeights?[n] ?? 1)
    let zt = row[tgt]
    nc_head_dlogits(row, e, n8, 1 / sum, scale)
    j = n8
    while j < V {
        let t = row[j] / softcap
        row[j] = e[j] / sum * (1 - t * t) * scale; j += 1
    }
    let tt = zt / softcap
    row[tgt] -= (1 - tt * tt) * scale
}

/// The head for a few rows (decoding): logits[M, V] = softcap(x · Wᵀ) in one streaming pass over W,
/// each slice softcapped while it is still in cache. x: [M, C]; W: [Vp, C], fp32 or bf16 (rows ≥ V never read). With
/// `argmax` ([M]) the same pass finds each row's first maximum (greedy decoding's pick) from per-slice
/// partial maxima, so no one re-reads the M·V logits for it.
func decodeHead<E: DecodeWeight>(_ logits: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ W: UnsafePointer<E>,
                                  _ M: Int, _ C: Int, _ V: Int, argmax: UnsafeMutablePointer<Int32>? = nil) {
    let picks = argmax.map { HeadArgmax(M: M, V: V, out: $0) }
    smallMatmulNT(x, [GEMVSegment(weights: W, out: logits, rows: V, ldOut: V)], M: M, K: C) { _, m, lo, hi in
        softcapInPlace(logits + m * V + lo, hi - lo)
        picks?.record(logits + m * V, m, lo, hi)
    }
    picks?.finish(logits)
}

/// Each row's first argmax over the head's slices (smallMatmulNT's chunks of vocabulary rows, on any
/// thread): every slice keeps its largest value and where it first occurs, then the slices are combined in
/// vocabulary order. That is exactly `sampleNextToken`'s greedy scan (best = 0; i wins only when strictly
/// greater), NaNs included: a NaN is never greater than anything, and a NaN at index 0 wins outright.
final class HeadArgmax {
    let M: Int, V: Int, chunkRows: Int, chunks: Int
    let out: UnsafeMutablePointer<Int32>
    private let best: UnsafeMutablePointer<Float>    // [M, chunks]
    private let at: UnsafeMutablePointer<Int32>      // [M, chunks]

    init(M: Int, V: Int, out: UnsafeMutablePointer<Int32>) {
        self.M = M; self.V = V; self.out = out
        chunkRows = smallGEMMChunkRows(total: V)
        chunks = (V + chunkRows - 1) / chunkRows
        best = .allocate(capacity: M * chunks); at = .allocate(capacity: M * chunks)
    }
    deinit { best.deallocate(); at.deallocate() }

    /// Row m's slice z[lo..<hi] (softcapped): its largest non-NaN value and first index (−∞ and −1: none).
    @inline(__always) func record(_ z: UnsafePointer<Float>, _ m: Int, _ lo: Int, _ hi: Int) {
        var top = F8(repeating: -.infinity), j = lo
        while j + 8 <= hi { let v = load8(z + j); top.replace(with: v, where: v .> top); j += 8 }
        var value = top.max()
        while j < hi { if z[j] > value { value = z[j] }; j += 1 }
        var index = -1
        if value > -.infinity { index = lo; while z[index] != value { index += 1 } }
        let slot = m * chunks + lo / chunkRows
        best[slot] = value; at[slot] = Int32(index)
    }

    /// Combines the slices of every row into out[m].
    func finish(_ logits: UnsafePointer<Float>) {
        for m in 0..<M {
            var value = -Float.infinity, index: Int32 = 0
            for c in 0..<chunks where best[m * chunks + c] > value { value = best[m * chunks + c]; index = at[m * chunks + c] }
            out[m] = logits[m * V].isNaN ? 0 : index
        }
    }
}

/// z = 15·tanh(z/15) elementwise, the same per element whatever n (the head's softcap).
@inline(__always) func softcapInPlace(_ z: UnsafeMutablePointer<Float>, _ n: Int) {
    let cap = F8(repeating: softcap), invCap = F8(repeating: 1 / softcap)
    var j = 0
    while j + 8 <= n { store8(z + j, cap * vtanh(load8(z + j) * invCap)); j += 8 }
    while j < n {
        var t = F8(); t[0] = z[j] * (1 / softcap)
        z[j] = softcap * vtanh(t)[0]; j += 1
    }
}
