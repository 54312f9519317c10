import Foundation

/// Rotary tables (nanochat/gpt.py: GPT._precompute_rotary_embeddings): base 100000, 10·sequenceLen positions,
/// cos/sin computed in fp32 like torch.
struct RotaryTables {
    let cos: [Float], sin: [Float]   // [rows, D/2]
    let rows: Int, half: Int

    init(headDim D: Int, rows: Int, base: Float = 100_000) {
        let half = D / 2
        var c = [Float](repeating: 0, count: rows * half), s = c
        let inv = (0..<half).map { j -> Float in 1 / Foundation.pow(base, Float(2 * j) / Float(D)) }
        for t in 0..<rows {
            for j in 0..<half {
                let f = Float(t) * inv[j]
                c[t * half + j] = Foundation.cos(f); s[t * half + j] = Foundation.sin(f)
            }
        }
        cos = c; sin = s; self.rows = rows; self.half = half
    }
}

/// In place on x: [N, nh, D] = [B, T, nh, D] at position `positions[n]` (one per token: its place in its
/// own sequence, the KV-cache length before it plus its offset; nil = n % T, training). Split halves, rotation by −θ:
/// y1 = x1·cos + x2·sin, y2 = −x1·sin + x2·cos.
func rotaryForward(_ x: UnsafeMutablePointer<Float>, _ N: Int, _ nh: Int, _ D: Int, _ T: Int,
                   _ cosT: UnsafePointer<Float>, _ sinT: UnsafePointer<Float>, positions: UnsafePointer<Int>? = nil) {
    rotate(x, N, nh, D, T, cosT, sinT, sinSign: 1, positions: positions)
}

/// In place on dx: the transpose rotation (by +θ), i.e. the forward with sin negated.
func rotaryBackward(_ dx: UnsafeMutablePointer<Float>, _ N: Int, _ nh: Int, _ D: Int, _ T: Int,
                    _ cosT: UnsafePointer<Float>, _ sinT: UnsafePointer<Float>) {
    rotate(dx, N, nh, D, T, cosT, sinT, sinSign: -1, positions: nil)
}

/// y1 = x1·cos + x2·(σ·sin), y2 = x1·(−σ·sin) + x2·cos — nanochat's operation order; negation is exact,
/// so σ = −1 is bit-identical to writing the transpose out.
@inline(__always)
private func rotate(_ x: UnsafeMutablePointer<Float>, _ N: Int, _ nh: Int, _ D: Int, _ T: Int,
                    _ cosT: UnsafePointer<Float>, _ sinT: UnsafePointer<Float>, sinSign: Float, positions: UnsafePointer<Int>?) {
    let h2 = D / 2
    Threads.parallelFor(N, minChunk: 16) { r in
        for n in r {
            let pos = positions?[n] ?? n % T
            let c = cosT + pos * h2, s = sinT + pos * h2
            for h in 0..<nh {
                let p = x + (n * nh + h) * D
                for j in 0..<h2 {
                    let x1 = p[j], x2 = p[j + h2], sj = sinSign * s[j]
                    p[j] = x1 * c[j] + x2 * sj
                    p[j + h2] = x1 * (-sj) + x2 * c[j]
                }
            }
        }
    }
}
