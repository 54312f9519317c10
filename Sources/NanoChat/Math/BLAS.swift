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

    /// The kernel family OpenBLAS picked for this CPU at load time (e.g. "Haswell", "SkylakeX"); "" on Accelerate.
    public static var coreName: String {
        #if canImport(Accelerate)
        return ""
        #else
        guard let name = openblas_get_corename() else { return "" }
        return String(cString: name)
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
}
