import Foundation

// lm_head + softcap + cross-entropy, fused and run in row chunks so the [B·T, V] logits never exist
// at once (§1.5, §1.7). In training mode the same pass also produces ∂loss/∂x and ∂loss/∂W_lm_head
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
}

/// Rows per chunk so a chunk holds at most ~8M logits.
func headChunkRows(V: Int) -> Int { max(16, min(256, (8 << 20) / max(1, V))) }

/// x: [N, C] final-normed activations; W: [Vp, C]; targets: [N] (or nil: no loss); chunk: R·V floats.
func lmHeadForward(_ out: HeadOutputs, _ x: UnsafePointer<Float>, _ W: UnsafePointer<Float>, _ targets: UnsafePointer<Int32>?,
                   _ N: Int, _ C: Int, _ V: Int, chunk: UnsafeMutablePointer<Float>, rows R: Int) {
    var r0 = 0
    var first = true
    while r0 < N {
        let m = min(R, N - r0)
        BLAS.matmulNT(chunk, x + r0 * C, W, M: m, N: V, K: C)      // logits[:, :V]; padded rows never used
        Threads.parallelFor(m, minChunk: 4) { r in
            for i in r {
                let n = r0 + i
                headRow(chunk + i * V, V, n, targets, out)
            }
        }
        if let dx = out.dx, let dW = out.dW {
            BLAS.matmulNN(dx + r0 * C, chunk, W, M: m, N: C, K: V)
            BLAS.matmulTN(dW, chunk, x + r0 * C, M: V, N: C, K: m, accumulate: true)
        }
        first = false
        r0 += m
    }
    _ = first
}

/// One row: softcap in place, loss/argmax/logits, and (training) the row's dlogits in place.
@inline(__always) private func headRow(_ row: UnsafeMutablePointer<Float>, _ V: Int, _ n: Int,
                                       _ targets: UnsafePointer<Int32>?, _ out: HeadOutputs) {
    let cap = F8(repeating: softcap)
    var mx8 = F8(repeating: -.infinity), j = 0
    while j + 8 <= V {
        let z = cap * vtanh(load8(row + j) / cap)
        store8(row + j, z); mx8 = pointwiseMax(mx8, z); j += 8
    }
    var mx = mx8.max()
    while j < V {
        var t = F8(); t[0] = row[j] / softcap
        let z = softcap * vtanh(t)[0]
        row[j] = z; mx = max(mx, z); j += 1
    }
    if let lg = out.logits { (lg + n * V).update(from: row, count: V) }
    if let am = out.argmax {
        var best = 0
        for k in 0..<V where row[k] > row[best] { best = k }   // first max, like torch.argmax
        am[n] = Int32(best)
    }
    guard let targets else { return }
    let m8 = F8(repeating: mx)
    var s8 = F8(); j = 0
    while j + 8 <= V { s8 += vexp(load8(row + j) - m8); j += 8 }
    var sum = s8.sum()
    while j < V { sum += Foundation.exp(row[j] - mx); j += 1 }
    let lse = mx + Foundation.log(sum)
    let tgt = Int(targets[n])
    out.losses?[n] = tgt < 0 ? 0 : lse - row[tgt]
    guard out.dx != nil else { return }
    if tgt < 0 { row.update(repeating: 0, count: V); return }
    // dlogit = (softmax − onehot)·(1 − tanh²)·scale
    let scale = out.scale, inv = F8(repeating: 1 / sum), sc8 = F8(repeating: scale), one = F8(repeating: 1)
    let zt = row[tgt]
    j = 0
    while j + 8 <= V {
        let z = load8(row + j), t = z / cap
        store8(row + j, vexp(z - m8) * inv * (one - t * t) * sc8); j += 8
    }
    while j < V {
        let z = row[j], t = z / softcap
        row[j] = Foundation.exp(z - mx) / sum * (1 - t * t) * scale; j += 1
    }
    let tt = zt / softcap
    row[tgt] -= (1 - tt * tt) * scale
}
