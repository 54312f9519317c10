import CKernels
import Foundation

// The decode shape: y[M, OUT] = x[M, K] · W[OUT, K]ᵀ for a few rows M (one per sequence being decoded).
// BLAS sgemm is built for large M and re-packs W; here each weight row is read from memory once per call
// for all M rows (the x rows stay in L1/L2), the output rows split over the threads. Decoding is bound by
// reading the weights, so this is the kernel; the register tiles are C (CKernels/decode.c: nc_gemv_f32).

/// Up to this many rows go through `smallMatmulNT`; more go to BLAS (compute-bound by then). Every row's
/// result is the same whatever M is, so a sequence decodes to the same tokens alone or batched.
let smallGEMMMaxRows = 32

/// A weight element the decode kernels read: fp32 as it is, bf16 widened to fp32 on load (the math is
/// fp32 either way, in the same order, so bf16 weights give exactly the fp32 result on their values).
protocol DecodeWeight {
    /// out[m·ldOut + o] = x[m, :] · W[o, :] for m < M, o in rows (CKernels.h: nc_gemv_f32 gives the order).
    static func gemv(_ x: UnsafePointer<Float>, _ W: UnsafePointer<Self>, _ out: UnsafeMutablePointer<Float>,
                     _ ldOut: Int, M: Int, K: Int, rows: Range<Int>)
}

extension Float: DecodeWeight {
    @inline(__always) static func gemv(_ x: UnsafePointer<Float>, _ W: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                                       _ ldOut: Int, M: Int, K: Int, rows: Range<Int>) {
        nc_gemv_f32(x, W, out, ldOut, M, K, rows.lowerBound, rows.upperBound)
    }
}

extension BF16: DecodeWeight {
    @inline(__always) static func gemv(_ x: UnsafePointer<Float>, _ W: UnsafePointer<BF16>, _ out: UnsafeMutablePointer<Float>,
                                       _ ldOut: Int, M: Int, K: Int, rows: Range<Int>) {
        let bits = UnsafeRawPointer(W).assumingMemoryBound(to: UInt16.self)   // BF16 is its 16 bits
        nc_gemv_bf16(x, bits, out, ldOut, M, K, rows.lowerBound, rows.upperBound)
    }
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
func smallMatmulNT<W: DecodeWeight>(_ x: UnsafePointer<Float>, _ segments: [GEMVSegment<W>], M: Int, K: Int,
                                    epilogue: ((Int, Int, Int, Int) -> Void)? = nil) {
    precondition(M > 0, "smallMatmulNT: no rows")
    let total = segments.reduce(0) { $0 + $1.rows }
    let chunkRows = smallGEMMChunkRows(total: total)
    var starts: [Int] = []   // first global row of each segment
    var acc = 0
    for s in segments { starts.append(acc); acc += s.rows }
    let chunks = (total + chunkRows - 1) / chunkRows
    segments.withUnsafeBufferPointer { segs in
    starts.withUnsafeBufferPointer { st in
        Threads.spinFor(chunks) { range in
            for c in range {
                var lo = c * chunkRows
                let hi = min(total, lo + chunkRows)
                while lo < hi {   // a chunk may span two segments
                    var s = 0
                    while s + 1 < segs.count && st[s + 1] <= lo { s += 1 }
                    let seg = segs[s], local = lo - st[s], end = min(hi - st[s], seg.rows)
                    W.gemv(x, seg.weights, seg.out, seg.ldOut, M: M, K: K, rows: local..<end)
                    if let epilogue { for m in 0..<M { epilogue(s, m, local, end) } }
                    lo = st[s] + end
                }
            }
        }
    }
    }
}

/// Output rows per work chunk of `smallMatmulNT` over `total` rows: enough chunks to balance the threads, each
/// a few hundred KB of weights. Chunk c covers rows c·chunkRows ..< (c+1)·chunkRows (an epilogue's slices).
func smallGEMMChunkRows(total: Int) -> Int { max(8, min(256, (total + 4 * Threads.count - 1) / (4 * Threads.count)) & ~1) }
