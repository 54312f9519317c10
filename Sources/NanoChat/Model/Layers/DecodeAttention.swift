import CKernels
import Foundation

// Attention of one new query per row over that row's KV cache (decoding; nanochat's flash_attn_with_kvcache
// at T = 1). No GEMM per head: one pass over a row's keys and one over its values serve all its query
// heads (GQA included), in blocks of `decodeKeyBlock` keys with an online softmax (running max and sum,
// rescaled once per block). A work item is a row and a range of its kv heads, so it reads each cached
// position's keys of those heads as one contiguous run: the cache is [positions, Hkv, D], and one item per
// (row, head) read 512 bytes every 3 KB at d12, which ran at a third of the streaming bandwidth. The two
// passes over a block are C (CKernels/attention.c: fused multiply-adds, four keys' dots at once). Rows
// split into head ranges only when there are fewer rows than threads. Each head's arithmetic is the same
// whatever the split. The window is the training rule: the query at position p sees key j iff j ≤ p
// and p − j ≤ left.

let decodeKeyBlock = 128

/// Positions ahead whose keys (values) the key (value) pass prefetches, a line with each load (attention_impl.h):
/// the runs of a row's heads are 1.5 to 3 KB every few KB, a stride the hardware prefetcher follows late.
let decodePrefetchAhead = 6

/// For each i < rows.count, token n = rows[i]: y[n], q[n]: [H, D] rows of y, q ([N, H, D]); its sequence's
/// keys/values for this layer at keys[i], values[i], laid out [positions, Hkv, D]; positions[n]: the query's
/// position (its own key is already written there).
func decodeAttention(_ y: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
                     keys: [UnsafePointer<Float>], values: [UnsafePointer<Float>], rows: [Int],
                     positions: UnsafePointer<Int>, _ H: Int, _ Hkv: Int, _ D: Int, left: Int) {
    let B = rows.count
    let parts = min(Hkv, max(1, (Threads.count + B - 1) / B))   // head ranges per row
    keys.withUnsafeBufferPointer { keys in
    values.withUnsafeBufferPointer { values in
    rows.withUnsafeBufferPointer { rows in
    let group = H / Hkv, ks = Hkv * D, scale = 1 / Float(D).squareRoot()
    Threads.spinFor(B * parts) { items in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: H * (decodeKeyBlock + D + 2)) { scratch in
            for item in items {
                let i = item / parts, part = item % parts, b = rows[i], p = positions[b]
                let g0 = Hkv * part / parts, g1 = Hkv * (part + 1) / parts, nh = (g1 - g0) * group
                let scores = scratch.baseAddress!                    // [nh, block]
                let acc = scores + nh * decodeKeyBlock               // [nh, D]
                let runMax = acc + nh * D, runSum = runMax + nh      // [nh] each
                let kb = keys[i] + g0 * D, vb = values[i] + g0 * D   // this item's first kv head
                let qg = q + (b * H + g0 * group) * D                // its nh query heads, consecutive
                acc.update(repeating: 0, count: nh * D)
                runMax.update(repeating: -Float.infinity, count: nh)
                runSum.update(repeating: 0, count: nh)
                var j0 = max(0, p - left)
                while j0 <= p {
                    let j1 = min(p + 1, j0 + decodeKeyBlock), n = j1 - j0
                    // one pass over the block's keys for every head of the item
                    nc_attn_scores(qg, kb + j0 * ks, ks, nh, group, D, n, scale, scores, decodeKeyBlock, decodePrefetchAhead)
                    for h in 0..<nh {
                        let row = scores + h * decodeKeyBlock
                        var mx = runMax[h]
                        for j in 0..<n { mx = max(mx, row[j]) }
                        let rescale = Foundation.exp(runMax[h] - mx)   // 0 on the first block
                        if rescale != 1 { vscale(acc + h * D, rescale, D) }
                        runSum[h] = runSum[h] * rescale + expShifted(row, n, mx)
                        runMax[h] = mx
                    }
                    // one pass over the block's values
                    nc_attn_values(acc, scores, decodeKeyBlock, vb + j0 * ks, ks, nh, group, D, n, decodePrefetchAhead)
                    j0 = j1
                }
                for h in 0..<nh {
                    let out = y + (b * H + g0 * group + h) * D
                    let inv = 1 / runSum[h]
                    for d in 0..<D { out[d] = acc[h * D + d] * inv }
                }
            }
        }
    }
    }
    }
    }
}

/// row[j] = exp(row[j] − mx) for j < n; returns their sum.
@inline(__always) private func expShifted(_ row: UnsafeMutablePointer<Float>, _ n: Int, _ mx: Float) -> Float {
    var j = 0, acc = F8()
    let m8 = F8(repeating: mx)
    while j + 8 <= n { let e = vexp(load8(row + j) - m8); store8(row + j, e); acc += e; j += 8 }
    var s = acc.sum()
    while j < n { let e = Foundation.exp(row[j] - mx); row[j] = e; s += e; j += 1 }
    return s
}
