// The only file that imports a BLAS; the rest of the code calls these Swift wrappers. On macOS that is
// Accelerate (its classic CBLAS interface, 32-bit ints, same names as OpenBLAS's cblas.h); on Linux it is
// OpenBLAS through the CBLAS system-library target, which Package.swift links only there.
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Row-major single-precision GEMM in the layouts the model needs, named by operand transposition:
/// `C[M,N] = alpha · op(A) · op(B) + beta · C`. Pointers must not alias C.
public enum BLAS {
    public static func setThreads(_ n: Int) {
        #if !canImport(Accelerate)
        openblas_set_num_threads(Int32(n))
        #endif
    }

    /// General entry: A is [M,K] (or [K,M] if transA), B is [K,N] (or [N,K] if transB), leading dims given.
    @inlinable
    public static func sgemm(transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float = 1,
                             A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, C: UnsafeMutablePointer<Float>, ldc: Int) {
        if M == 0 || N == 0 { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(M), Int32(N), Int32(K), alpha, A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
    }

    /// C[M,N] (+)= A[M,K] · B[N,K]ᵀ — a Linear forward `y = x·Wᵀ` with W in PyTorch [out,in] layout.
    @inlinable
    public static func matmulNT(_ C: UnsafeMutablePointer<Float>, _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>,
                                M: Int, N: Int, K: Int, alpha: Float = 1, accumulate: Bool = false) {
        sgemm(transA: false, transB: true, M: M, N: N, K: K, alpha: alpha, A: A, lda: K, B: B, ldb: K,
              beta: accumulate ? 1 : 0, C: C, ldc: N)
    }

    /// C[M,N] (+)= A[M,K] · B[K,N] — a Linear's input gradient `dx = dy·W`.
    @inlinable
    public static func matmulNN(_ C: UnsafeMutablePointer<Float>, _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>,
                                M: Int, N: Int, K: Int, alpha: Float = 1, accumulate: Bool = false) {
        sgemm(transA: false, transB: false, M: M, N: N, K: K, alpha: alpha, A: A, lda: K, B: B, ldb: N,
              beta: accumulate ? 1 : 0, C: C, ldc: N)
    }

    /// C[M,N] (+)= A[K,M]ᵀ · B[K,N] — a Linear's weight gradient `dW = dyᵀ·x`.
    @inlinable
    public static func matmulTN(_ C: UnsafeMutablePointer<Float>, _ A: UnsafePointer<Float>, _ B: UnsafePointer<Float>,
                                M: Int, N: Int, K: Int, alpha: Float = 1, accumulate: Bool = false) {
        sgemm(transA: true, transB: false, M: M, N: N, K: K, alpha: alpha, A: A, lda: M, B: B, ldb: N,
              beta: accumulate ? 1 : 0, C: C, ldc: N)
    }

    /// Symmetric Gram matrix, full (both triangles) in C[N,N]: `A·Aᵀ` for A [N,K], or `Aᵀ·A` for A [K,N]
    /// when `transA`. ssyrk does half a GEMM's work (Muon's Polar Express lives on these).
    public static func gram(_ C: UnsafeMutablePointer<Float>, _ A: UnsafePointer<Float>, N: Int, K: Int, transA: Bool = false) {
        if N == 0 { return }
        cblas_ssyrk(CblasRowMajor, CblasUpper, transA ? CblasTrans : CblasNoTrans, Int32(N), Int32(K), 1, A,
                    Int32(transA ? N : K), 0, C, Int32(N))
        for i in 1..<max(N, 1) { for j in 0..<i { C[i * N + j] = C[j * N + i] } }   // mirror upper → lower
    }

    /// Measured fp32 sgemm peak (GFLOP/s) at the current thread count, the denominator of MFU: the best of
    /// repeated GEMMs in two shapes, a square 2048³ and a wide lm_head-like 4096×8192×256, within about
    /// `seconds`. They must be large: smaller GEMMs (1024³) reach only half the 2-thread rate here.
    public static func measurePeakGFLOPS(seconds: Double = 0.7) -> Double {
        let shapes = [(M: 2048, N: 2048, K: 2048), (M: 4096, N: 8192, K: 256)]
        var best = 0.0
        for s in shapes {
            let a = UnsafeMutablePointer<Float>.allocate(capacity: s.M * s.K); defer { a.deallocate() }
            let b = UnsafeMutablePointer<Float>.allocate(capacity: s.N * s.K); defer { b.deallocate() }
            let c = UnsafeMutablePointer<Float>.allocate(capacity: s.M * s.N); defer { c.deallocate() }
            for i in 0..<(s.M * s.K) { a[i] = Float(i % 7) * 0.01 }
            for i in 0..<(s.N * s.K) { b[i] = Float(i % 5) * 0.01 }
            matmulNT(c, a, b, M: s.M, N: s.N, K: s.K)   // warm-up (OpenBLAS's small-N first-call quirk)
            let flops = 2 * Double(s.M * s.N * s.K)
            let t0 = now()
            while now() - t0 < seconds / Double(shapes.count) {
                let t = now()
                matmulNT(c, a, b, M: s.M, N: s.N, K: s.K)
                best = max(best, flops / (now() - t) / 1e9)
            }
        }
        return best
    }
}
