// Per-layer mixing of the residual stream with the post-smear embedding: x = λ_resid·x + λ_x0·x0.

/// out = a·x + b·x0, n elements.
func residualMixForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ x0: UnsafePointer<Float>,
                        _ a: Float, _ b: Float, _ n: Int) {
    Threads.parallelFor(n, minChunk: 1 << 14) { r in
        let a8 = F8(repeating: a), b8 = F8(repeating: b)
        var i = r.lowerBound
        while i + 8 <= r.upperBound { store8(out + i, a8 * load8(x + i) + b8 * load8(x0 + i)); i += 8 }
        while i < r.upperBound { out[i] = a * x[i] + b * x0[i]; i += 1 }
    }
}

/// Given d = ∂/∂out: da += Σ d·x, db += Σ d·x0, dx0 += b·d, then d *= a in place (→ ∂/∂x).
func residualMixBackward(_ d: UnsafeMutablePointer<Float>, _ dx0: UnsafeMutablePointer<Float>,
                         _ da: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>,
                         _ x: UnsafePointer<Float>, _ x0: UnsafePointer<Float>, _ a: Float, _ b: Float, _ n: Int) {
    da[0] += Float(parallelDot(d, x, n))
    db[0] += Float(parallelDot(d, x0, n))
    Threads.parallelFor(n, minChunk: 1 << 14) { r in
        let i0 = r.lowerBound, len = r.count
        vaxpy(dx0 + i0, b, d + i0, len)
        vscale(d + i0, a, len)
    }
}

/// out = a + s·b, n elements (residual adds, backout).
func addScaled(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ s: Float, _ b: UnsafePointer<Float>, _ n: Int) {
    Threads.parallelFor(n, minChunk: 1 << 14) { r in
        let s8 = F8(repeating: s)
        var i = r.lowerBound
        while i + 8 <= r.upperBound { store8(out + i, load8(a + i) + s8 * load8(b + i)); i += 8 }
        while i < r.upperBound { out[i] = a[i] + s * b[i]; i += 1 }
    }
}
