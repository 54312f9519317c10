import Foundation

/// The AdamW update of nanochat's `adamw_step_fused` (nanochat/optim.py) on one contiguous fp32 slice.
/// Every hyper-parameter is first rounded to fp32, as nanochat's 0-d fp32 tensors are.
enum AdamW {
    /// Per-step scalars, all fp32 like the 0-d tensors nanochat fills before the fused kernel.
    struct Scalars {
        var decay: Float        // 1 − lr·wd
        var w1: Float           // 1 − β1  (lerp weight of the first moment)
        var w2: Float           // 1 − β2
        var bias2: Float        // 1 − β2^step
        var eps: Float
        var negStepSize: Float  // −lr / (1 − β1^step)

        init(lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double, step: Int) {
            let lr32 = Float(lr), b1 = Float(beta1), b2 = Float(beta2), s = Float(step)
            decay = 1 - lr32 * Float(weightDecay)
            w1 = 1 - b1
            w2 = 1 - b2
            let bias1 = 1 - powf(b1, s)
            bias2 = 1 - powf(b2, s)
            self.eps = Float(eps)
            negStepSize = -(lr32 / bias1)
        }
    }

    /// p, m, v updated in place from g over `count` floats, 8 lanes at a time (same per-element math).
    @inline(__always)
    static func update(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                       v: UnsafeMutablePointer<Float>, count: Int, _ s: Scalars) {
        typealias V = SIMD8<Float>
        let decay = V(repeating: s.decay), bias2 = V(repeating: s.bias2), eps = V(repeating: s.eps)
        let step = V(repeating: s.negStepSize)
        var i = 0
        while i + 8 <= count {
            let gi = V.load(g + i)
            let pi = V.load(p + i) * decay                   // decoupled decay before the moments
            let mi = lerp(V.load(m + i), gi, s.w1)
            let vi = lerp(V.load(v + i), gi * gi, s.w2)
            let denom = vsqrt(vi / bias2) + eps              // eps after the bias-corrected sqrt
            mi.store(m + i)
            vi.store(v + i)
            pi.addingProduct(step, mi / denom).store(p + i)
            i += 8
        }
        while i < count {
            let gi = g[i]
            let pi = p[i] * s.decay
            let mi = lerp(m[i], gi, s.w1)
            let vi = lerp(v[i], gi * gi, s.w2)
            let denom = (vi / s.bias2).squareRoot() + s.eps
            m[i] = mi
            v[i] = vi
            p[i] = pi.addingProduct(s.negStepSize, mi / denom)
            i += 1
        }
    }

    /// Same, split over threads for large tensors (memory bound; chunks of ≥ 64K floats).
    static func updateParallel(p: UnsafeMutablePointer<Float>, g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
                               v: UnsafeMutablePointer<Float>, count: Int, _ s: Scalars) {
        Threads.parallelFor(count, minChunk: 1 << 16) { r in
            update(p: p + r.lowerBound, g: g + r.lowerBound, m: m + r.lowerBound, v: v + r.lowerBound,
                   count: r.count, s)
        }
    }
}

/// PyTorch's `torch.lerp(a, b, w)` exactly as its vectorized CPU kernel computes it:
/// `fma(w, b−a, a)` when |w| < 0.5, else `fma(w−1, b−a, b)`.
@inline(__always)
func lerp(_ a: Float, _ b: Float, _ w: Float) -> Float {
    abs(w) < 0.5 ? a.addingProduct(w, b - a) : b.addingProduct(w - 1, b - a)
}

@inline(__always)
func lerp(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ w: Float) -> SIMD8<Float> {
    abs(w) < 0.5 ? a.addingProduct(SIMD8(repeating: w), b - a) : b.addingProduct(SIMD8(repeating: w - 1), b - a)
}

extension SIMD8 where Scalar == Float {
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Float>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
}
