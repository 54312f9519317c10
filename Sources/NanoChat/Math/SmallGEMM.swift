import Foundation

// The decode shape: y[M, OUT] = x[M, K] · W[OUT, K]ᵀ for a few rows M (one per sequence being decoded).
// BLAS sgemm is built for large M and re-packs W; here each weight row is read from memory once per call
// for all M rows (the x rows stay in L1/L2), two weight rows × up to four x rows per inner loop, the
// output rows split over the threads. Decoding is bound by reading the weights, so this is the kernel.

/// Up to this many rows go through `smallMatmulNT`; more go to BLAS (compute-bound by then). Every row's
/// result is the same whatever M is, so a sequence decodes to the same tokens alone or batched.
let smallGEMMMaxRows = 32

/// A weight element the decode kernels read: fp32 as it is, bf16 widened to fp32 on load (the math is
/// fp32 either way, in the same order, so bf16 weights give exactly the fp32 result on their values).
protocol DecodeWeight {
    static func widen8(_ p: UnsafePointer<Self>) -> F8
    static func widen(_ p: UnsafePointer<Self>, _ j: Int) -> Float
}

extension Float: DecodeWeight {
    @inline(__always) static func widen8(_ p: UnsafePointer<Float>) -> F8 { load8(p) }
    @inline(__always) static func widen(_ p: UnsafePointer<Float>, _ j: Int) -> Float { p[j] }
}

extension BF16: DecodeWeight {
    @inline(__always) static func widen8(_ p: UnsafePointer<BF16>) -> F8 { load8(p) }
    @inline(__always) static func widen(_ p: UnsafePointer<BF16>, _ j: Int) -> Float { p[j].float }
}

/// One weight matrix W[rows, K] and where its outputs go: out[m, col] for m < M, row stride `ldOut`.
struct GEMVSegment<W: DecodeWeight> {
    let weights: UnsafePointer<W>
    let out: UnsafeMutablePointer<Float>
    let rows: Int
    let ldOut: Int
}

/// out_s[M, rows_s] = x[M, K] · W_sᵀ for every segment (q, k and v read one normed x in one pass over
/// their weights). `epilogue(segment, m, lo, hi)` runs on each finished output slice while it is hot in
/// cache (the lm_head's softcap).
func smallMatmulNT(_ x: UnsafePointer<Float>, _ segments: [GEMVSegment<Float>], M: Int, K: Int,
                   epilogue: ((Int, Int, Int, Int) -> Void)? = nil) {
    streamSegments(x, segments, M: M, K: K, epilogue: epilogue)
}

/// The same with bf16 weights (half the bytes per step; the kernel is specialized here, in this file).
func smallMatmulNT(_ x: UnsafePointer<Float>, _ segments: [GEMVSegment<BF16>], M: Int, K: Int,
                   epilogue: ((Int, Int, Int, Int) -> Void)? = nil) {
    streamSegments(x, segments, M: M, K: K, epilogue: epilogue)
}

/// Output rows per work chunk of `smallMatmulNT` over `total` rows: enough chunks to balance the threads, each
/// a few hundred KB of weights. Chunk c covers rows c·chunkRows ..< (c+1)·chunkRows (an epilogue's slices).
func smallGEMMChunkRows(total: Int) -> Int { max(8, min(256, (total + 4 * Threads.count - 1) / (4 * Threads.count)) & ~1) }

@inline(__always)
private func streamSegments<W: DecodeWeight>(_ x: UnsafePointer<Float>, _ segments: [GEMVSegment<W>], M: Int, K: Int,
                                             epilogue: ((Int, Int, Int, Int) -> Void)?) {
    precondition(M > 0, "smallMatmulNT: no rows")
    let total = segments.reduce(0) { $0 + $1.rows }
    let chunkRows = smallGEMMChunkRows(total: total)
    var starts: [Int] = []   // first global row of each segment
    var acc = 0
    for s in segments { starts.append(acc); acc += s.rows }
    let chunks = (total + chunkRows - 1) / chunkRows
    segments.withUnsafeBufferPointer { segs in
    starts.withUnsafeBufferPointer { st in
        Threads.parallelFor(chunks) { range in
            for c in range {
                var lo = c * chunkRows
                let hi = min(total, lo + chunkRows)
                while lo < hi {   // a chunk may span two segments
                    var s = 0
                    while s + 1 < segs.count && st[s + 1] <= lo { s += 1 }
                    let seg = segs[s], local = lo - st[s], end = min(hi - st[s], seg.rows)
                    gemvRows(x, seg.weights, seg.out, seg.ldOut, M: M, K: K, rows: local..<end)
                    if let epilogue { for m in 0..<M { epilogue(s, m, local, end) } }
                    lo = st[s] + end
                }
            }
        }
    }
    }
}

/// out[m, o] = x[m, :] · W[o, :] for o in rows, m < M: groups of `gemvGroupRows` weight rows, each group
/// against tiles of 4 x rows (the x tile stays in L1 over the group's pairs, the group in L1/L2 over the
/// tiles; one pair per tile re-read x from L2 at M = 32). The first tile of a group prefetches the next
/// group: while the later tiles compute from cache no demand miss keeps the hardware prefetcher going,
/// and at batch 8 that left half of each step's time without a weight read in flight.
@inline(__always)
private func gemvRows<E: DecodeWeight>(_ x: UnsafePointer<Float>, _ W: UnsafePointer<E>, _ out: UnsafeMutablePointer<Float>,
                      _ ldOut: Int, M: Int, K: Int, rows: Range<Int>) {
    var g = rows.lowerBound
    let pairsEnd = rows.lowerBound + (rows.count & ~1)
    while g < pairsEnd {
        let gEnd = min(pairsEnd, g + gemvGroupRows)
        var m0 = 0
        while m0 < M {
            let mt = min(4, M - m0)
            var o = g
            while o < gEnd {
                dot2x4(x + m0 * K, W + o * K, K, mt, out + m0 * ldOut + o, ldOut, prefetch: m0 == 0 ? gemvGroupRows : 0)
                o += 2
            }
            m0 += mt
        }
        g = gEnd
    }
    if pairsEnd < rows.upperBound {
        let o = pairsEnd
        for m in 0..<M { out[m * ldOut + o] = dotRow(x + m * K, W + o * K, K) }
    }
}

/// Weight rows per group in `gemvRows` (even).
private let gemvGroupRows = 8

/// Two weight rows (w, w + K) against mt ≤ 4 x rows: 8 accumulators, each weight load used mt times.
/// With `prefetch` = d > 0, one cache line of rows d and d + 1 further on per line of these. Prefetches
/// never fault, so reading past the matrix's end is harmless.
@inline(__always)
private func dot2x4<E: DecodeWeight>(_ x: UnsafePointer<Float>, _ w: UnsafePointer<E>, _ K: Int, _ mt: Int,
                    _ out: UnsafeMutablePointer<Float>, _ ldOut: Int, prefetch: Int) {
    let w1 = w + K, line = 64 / MemoryLayout<E>.stride   // weights per cache line
    var a0 = F8(), a1 = F8(), a2 = F8(), a3 = F8(), b0 = F8(), b1 = F8(), b2 = F8(), b3 = F8()
    var i = 0
    @inline(__always) func ahead() {
        if prefetch > 0 && i % line == 0 { BLAS.prefetch(w + prefetch * K + i); BLAS.prefetch(w + (prefetch + 1) * K + i) }
    }
    switch mt {
    case 1:
        while i + 8 <= K {
            ahead()
            let x0 = load8(x + i)
            a0 += x0 * E.widen8(w + i); b0 += x0 * E.widen8(w1 + i); i += 8
        }
    case 2:
        while i + 8 <= K {
            ahead()
            let u = E.widen8(w + i), v = E.widen8(w1 + i), x0 = load8(x + i), x1 = load8(x + K + i)
            a0 += x0 * u; b0 += x0 * v; a1 += x1 * u; b1 += x1 * v; i += 8
        }
    default:
        while i + 8 <= K {
            ahead()
            let u = E.widen8(w + i), v = E.widen8(w1 + i)
            let x0 = load8(x + i), x1 = load8(x + K + i), x2 = load8(x + 2 * K + i)
            a0 += x0 * u; b0 += x0 * v; a1 += x1 * u; b1 += x1 * v; a2 += x2 * u; b2 += x2 * v
            if mt == 4 { let x3 = load8(x + 3 * K + i); a3 += x3 * u; b3 += x3 * v }
            i += 8
        }
    }
    @inline(__always) func put(_ m: Int, _ a: F8, _ b: F8) {
        var s = a.sum(), t = b.sum()
        for j in i..<K { s += x[m * K + j] * E.widen(w, j); t += x[m * K + j] * E.widen(w1, j) }
        out[m * ldOut] = s; out[m * ldOut + 1] = t
    }
    put(0, a0, b0)
    if mt > 1 { put(1, a1, b1) }
    if mt > 2 { put(2, a2, b2) }
    if mt > 3 { put(3, a3, b3) }
}

/// Σ x·w over K (vdot's order: 8 lanes, horizontal sum, then the tail).
@inline(__always)
private func dotRow<E: DecodeWeight>(_ x: UnsafePointer<Float>, _ w: UnsafePointer<E>, _ K: Int) -> Float {
    var acc = F8(), i = 0
    while i + 8 <= K { acc += load8(x + i) * E.widen8(w + i); i += 8 }
    var s = acc.sum()
    while i < K { s += x[i] * E.widen(w, i); i += 1 }
    return s
}
