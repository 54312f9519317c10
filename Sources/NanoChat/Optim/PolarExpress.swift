/// Polar Express (nanochat/optim.py: muon_step_fused): five quintic iterations that push every singular value of X
/// towards 1. The matmuls go through BLAS (the symmetric ones as ssyrk); `a·X + …` is folded into the GEMM's beta.
enum PolarExpress {
    /// (a, b, c) per iteration, nanochat's `polar_express_coeffs` (Python floats, used as fp32 scalars).
    static let coefficients: [(Double, Double, Double)] = [
        (8.156554524902461, -22.48329292557795, 15.878769915207462),
        (4.042929935166739, -2.808917465908714, 0.5000178451051316),
        (3.8916678022926607, -2.772484153217685, 0.5060648178503393),
        (3.285753657755655, -2.3681294933425376, 0.46449024233003106),
        (2.3465413258596377, -1.7097828382687081, 0.42323551169305323),
    ]

    /// Runs `steps` iterations on X [m, n] (already Frobenius-normalized). Uses `y` [m·n], `a` and `b`
    /// [min(m,n)²] as scratch; returns the buffer holding the result (x or y).
    static func iterate(x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
                        a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>,
                        m: Int, n: Int, steps: Int) -> UnsafeMutablePointer<Float> {
        var x = x, y = y
        let tall = m > n
        let s = tall ? n : m
        for (ca, cb, cc) in coefficients.prefix(steps) {
            let fa = Float(ca), fb = Float(cb), fc = Float(cc)
            if tall {
                BLAS.gram(a, x, N: n, K: m, transA: true)         // A = XᵀX
            } else {
                BLAS.gram(a, x, N: m, K: n)                       // A = XXᵀ
            }
            BLAS.gram(b, a, N: s, K: s)                           // A·A = A·Aᵀ (A symmetric)
            for i in 0..<(s * s) { b[i] = fb * a[i] + fc * b[i] } // B = b·A + c·(A·A)
            for i in 0..<(m * n) { y[i] = fa * x[i] }
            if tall {   // X ← a·X + X·B
                BLAS.sgemm(transA: false, transB: false, M: m, N: n, K: n, A: x, lda: n, B: b, ldb: n,
                           beta: 1, C: y, ldc: n)
            } else {    // X ← a·X + B·X
                BLAS.sgemm(transA: false, transB: false, M: m, N: n, K: m, A: b, lda: m, B: x, ldb: n,
                           beta: 1, C: y, ldc: n)
            }
            swap(&x, &y)
        }
        return x
    }
}
