import Foundation

// Attention of one new query per row over that row's KV cache (decoding; nanochat's flash_attn_with_kvcache
// at T = 1). No GEMM per head: for each (row, kv head) one pass over its keys and one over its values
// serve all the query heads of that group (GQA), in blocks of `decodeKeyBlock` keys with an online
// softmax (running max and sum, rescaled once per block). The window is the training rule: the query at
// position p sees key j iff j ≤ p and p − j ≤ left.

let decodeKeyBlock = 128

/// For each i < rows.count, token n = rows[i]: y[n], q[n]: [H, D] rows of y, q ([N, H, D]); its sequence's
/// keys/values for this layer at keys[i], values[i], laid out [positions, Hkv, D]; positions[n]: the query's
/// position (its own key is already written there).
func decodeAttention(_ y: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>,
                     keys: [UnsafePointer<Float>], values: [UnsafePointer<Float>], rows: [Int],
                     positions: UnsafePointer<Int>, _ H: Int, _ Hkv: Int, _ D: Int, left: Int) {
    let B = rows.count
    keys.withUnsafeBufferPointer { keys in
    values.withUnsafeBufferPointer { values in
    rows.withUnsafeBufferPointer { rows in
    let group = H / Hkv, ks = Hkv * D, scale = 1 / Float(D).squareRoot()
    Threads.parallelFor(B * Hkv) { items in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: group * (decodeKeyBlock + D + 2)) { scratch in
            let scores = scratch.baseAddress!                       // [group, block]
            let acc = scores + group * decodeKeyBlock               // [group, D]
            let runMax = acc + group * D, runSum = runMax + group   // [group] each
            for item in items {
                let i = item / Hkv, g = item % Hkv, b = rows[i], p = positions[b]
                let kb = keys[i] + g * D, vb = values[i] + g * D
                let qg = q + (b * H + g * group) * D
                acc.update(repeating: 0, count: group * D)
                runMax.update(repeating: -Float.infinity, count: group)
                runSum.update(repeating: 0, count: group)
                var j0 = max(0, p - left)
                while j0 <= p {
                    let j1 = min(p + 1, j0 + decodeKeyBlock), n = j1 - j0
                    for j in 0..<n {   // one pass over the block's keys for every head of the group
                        let kj = kb + (j0 + j) * ks
                        for h in 0..<group { scores[h * decodeKeyBlock + j] = vdot(qg + h * D, kj, D) * scale }
                    }
                    for h in 0..<group {
                        let row = scores + h * decodeKeyBlock
                        var mx = runMax[h]
                        for j in 0..<n { mx = max(mx, row[j]) }
                        let rescale = Foundation.exp(runMax[h] - mx)   // 0 on the first block
                        if rescale != 1 { vscale(acc + h * D, rescale, D) }
                        runSum[h] = runSum[h] * rescale + expShifted(row, n, mx)
                        runMax[h] = mx
                    }
                    for j in 0..<n {   // one pass over the block's values
                        let vj = vb + (j0 + j) * ks
                        for h in 0..<group { vaxpy(acc + h * D, scores[h * decodeKeyBlock + j], vj, D) }
                    }
                    j0 = j1
                }
                for h in 0..<group {
                    let out = y + (b * H + g * group + h) * D
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
