import Foundation
import CKernels

// SIMD8 helpers for the non-BLAS loops (norms, elementwise, softmax). With -march=x86-64-v3 each
// SIMD8<Float> is one AVX2 register. All loads/stores are unaligned-safe.

public typealias F8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }
@inline(__always) func load8(_ p: UnsafeMutablePointer<Float>) -> F8 { UnsafeRawPointer(p).loadUnaligned(as: F8.self) }
@inline(__always) func store8(_ p: UnsafeMutablePointer<Float>, _ v: F8) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self) }

/// Σ a·b (fp32, 8 lanes then a horizontal sum).
@inline(__always) func vdot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = F8(), i = 0
    while i + 8 <= n { acc += load8(a + i) * load8(b + i); i += 8 }
    var s = acc.sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// y += alpha · x
@inline(__always) func vaxpy(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ x: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    let a = F8(repeating: alpha)
    while i + 8 <= n { store8(y + i, load8(y + i) + a * load8(x + i)); i += 8 }
    while i < n { y[i] += alpha * x[i]; i += 1 }
}

/// dst = a + b (dst may be a).
@inline(__always) func vadd(_ dst: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    while i + 8 <= n { store8(dst + i, load8(a + i) + load8(b + i)); i += 8 }
    while i < n { dst[i] = a[i] + b[i]; i += 1 }
}

/// y *= alpha
@inline(__always) func vscale(_ y: UnsafeMutablePointer<Float>, _ alpha: Float, _ n: Int) {
    var i = 0
    let a = F8(repeating: alpha)
    while i + 8 <= n { store8(y + i, load8(y + i) * a); i += 8 }
    while i < n { y[i] *= alpha; i += 1 }
}

/// Σ a·b over a long vector, in parallel, accumulated in Double (scalar-parameter gradients).
func parallelDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Double {
    let chunks = 64
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: chunks) { pp in   // stack, no heap
        let p = pp.baseAddress!
        Threads.parallelFor(chunks) { r in
            for c in r {
                let lo = n * c / chunks, hi = n * (c + 1) / chunks
                var s = 0.0, i = lo
                while i < hi { let m = min(hi, i + 1024); s += Double(vdot(a + i, b + i, m - i)); i = m }
                p[c] = s
            }
        }
        var total = 0.0
        for c in 0..<chunks { total += p[c] }
        return total
    }
}

/// Lane-wise square root, one vsqrtps (`F8.squareRoot()` is eight scalar square roots with libm calls).
@inline(__always) func vsqrt(_ x: F8) -> F8 { nc_sqrt8(x) }

/// Lane-wise min/max through compare + blend (the generic pointwiseMin/Max do not inline).
@inline(__always) func vmin(_ a: F8, _ b: F8) -> F8 { a.replacing(with: b, where: b .< a) }
@inline(__always) func vmax(_ a: F8, _ b: F8) -> F8 { a.replacing(with: b, where: b .> a) }

/// exp for 8 lanes (Cephes expf: range reduction by ln2, degree-6 polynomial; ~1 ulp).
/// Domain: x in [-87, 88], no clamping — every caller feeds bounded softmax arguments
/// (softcapped logits minus their max ≥ −30; QK-normed attention scores minus max/lse ≥ −1.44·√D − log T).
@inline(__always) func vexp(_ x: F8) -> F8 {
    let magic = F8(repeating: 0x1.8p23)
    let t = x * F8(repeating: 1.44269504088896341) + magic      // round to nearest integer in the low mantissa bits
    let fx = t - magic
    var r = x - fx * F8(repeating: 0.693359375)
    r = r - fx * F8(repeating: -2.12194440e-4)
    let z = r * r
    var y = F8(repeating: 1.9875691500e-4)
    y = y * r + F8(repeating: 1.3981999507e-3)
    y = y * r + F8(repeating: 8.3334519073e-3)
    y = y * r + F8(repeating: 4.1665795894e-2)
    y = y * r + F8(repeating: 1.6666665459e-1)
    y = y * r + F8(repeating: 5.0000001201e-1)
    y = y * z + r + F8(repeating: 1)
    let n = unsafeBitCast(t, to: SIMD8<Int32>.self) &- Int32(0x4B40_0000)
    let scale = unsafeBitCast((n &+ 127) &<< 23, to: F8.self)
    return y * scale
}

/// tanh for 8 lanes: Eigen's rational approximation (max abs error ~4e-7 over all inputs).
@inline(__always) func vtanh(_ x0: F8) -> F8 {
    let x = vmax(vmin(x0, F8(repeating: 7.90531110763549805)), F8(repeating: -7.90531110763549805))
    let x2 = x * x
    var p = F8(repeating: -2.76076847742355e-16)
    p = p * x2 + F8(repeating: 2.00018790482477e-13)
    p = p * x2 + F8(repeating: -8.60467152213735e-11)
    p = p * x2 + F8(repeating: 5.12229709037114e-08)
    p = p * x2 + F8(repeating: 1.48572235717979e-05)
    p = p * x2 + F8(repeating: 6.37261928875436e-04)
    p = p * x2 + F8(repeating: 4.89352455891786e-03)
    p = p * x
    var q = F8(repeating: 1.19825839466702e-06)
    q = q * x2 + F8(repeating: 1.18534705686654e-04)
    q = q * x2 + F8(repeating: 2.26843463243900e-03)
    q = q * x2 + F8(repeating: 4.89352518554385e-03)
    // clamping turns NaN into ±7.9; put NaN back so a diverged model shows a NaN loss instead of a finite one
    return (p / q).replacing(with: x0, where: x0 .!= x0)
}

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
