// bfloat16 storage for inference weights: the top 16 bits of an fp32 (same 8-bit exponent, 7 mantissa
// bits), so widening is a 16-bit shift and the math stays fp32. Rounding fp32 → bf16 is to nearest,
// ties to even, as torch does (c10/util/BFloat16.h: round_to_nearest_even); NaN becomes 0x7FC0.

/// One bfloat16 value.
@frozen public struct BF16: Equatable {
    public var bits: UInt16
    public init(bits: UInt16) { self.bits = bits }

    /// x rounded to the nearest bf16 (ties to even; overflow to ±inf; NaN to the quiet NaN 0x7FC0).
    @inline(__always) public init(_ x: Float) {
        if x.isNaN { bits = 0x7FC0; return }
        let u = x.bitPattern
        bits = UInt16(truncatingIfNeeded: (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16)
    }

    /// The exact fp32 value.
    @inline(__always) public var float: Float { Float(bitPattern: UInt32(bits) << 16) }
}

/// Eight bf16 values at p widened to fp32 (zero-extend, shift by 16: vpmovzxwd + vpslld on x86).
@inline(__always) func load8(_ p: UnsafePointer<BF16>) -> F8 {
    let h = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt16>.self)
    return unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16, to: F8.self)
}

/// dst[i] = BF16(src[i]) for i < n, 16 lanes at a time, on all threads (the same rounding as BF16.init).
func convertToBF16(_ dst: UnsafeMutablePointer<BF16>, _ src: UnsafePointer<Float>, _ n: Int) {
    Threads.parallelFor(n, minChunk: 1 << 16) { r in
        var i = r.lowerBound
        let bias = SIMD16<UInt32>(repeating: 0x7FFF), one = SIMD16<UInt32>(repeating: 1)
        let quietNaN = SIMD16<UInt32>(repeating: 0x7FC0)
        while i + 16 <= r.upperBound {
            let x = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD16<Float>.self)
            let u = unsafeBitCast(x, to: SIMD16<UInt32>.self)
            var rounded = (u &+ bias &+ ((u &>> 16) & one)) &>> 16
            rounded.replace(with: quietNaN, where: x .!= x)
            UnsafeMutableRawPointer(dst + i).storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: rounded), as: SIMD16<UInt16>.self)
            i += 16
        }
        while i < r.upperBound { dst[i] = BF16(src[i]); i += 1 }
    }
}

/// bf16 values owned in one 64-byte-aligned block (a model's weights as stored for inference).
public final class BF16Buffer: @unchecked Sendable {
    public let count: Int
    public let ptr: UnsafeMutablePointer<BF16>

    /// `count` values of which only `ranges` are written (zeroed here, the caller fills them); the rest stays
    /// unwritten, so its pages are never touched and cost no memory (a model's bf16 copy indexed like its fp32
    /// parameters holds only the matrices: at d12 the embedding tables are 62 % of the parameters).
    public init(count: Int, writing ranges: [Range<Int>]) {
        self.count = count
        ptr = .allocateAligned(uninitialized: count)
        for r in ranges { (ptr + r.lowerBound).initialize(repeating: BF16(bits: 0), count: r.count) }
    }
    deinit { UnsafeMutableRawPointer(ptr).deallocate() }
}

/// dst[i] = src[i].float for i < n (exact), 16 lanes at a time, on all threads.
func convertFromBF16(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<BF16>, _ n: Int) {
    Threads.parallelFor(n, minChunk: 1 << 16) { r in
        var i = r.lowerBound
        while i + 8 <= r.upperBound { store8(dst + i, load8(src + i)); i += 8 }
        while i < r.upperBound { dst[i] = src[i].float; i += 1 }
    }
}

/// Floats of scratch a widened matmul takes (4 MB: one block of weight rows in fp32, written and read back
/// by sgemm while it is still in cache).
let widenScratchCount = 1 << 20

/// Output columns (weight rows of K) one widening block of `matmulNTWidened` holds: whole 16-column tiles of
/// sgemm's kernels.
func widenBlockColumns(K: Int) -> Int { widenScratchCount / K / 16 * 16 }

/// C[M, N] (row stride ldc) = A[M, K] · W16[N, K]ᵀ through BLAS sgemm, for bf16 weights whose fp32 copy is
/// gone (more rows than the decode kernels take: prefill, evals). W16's rows are widened (exactly) into
/// `scratch` (`widenScratchCount` floats) a block at a time, one sgemm per block of output columns: each
/// block gives what sgemm over those widened rows gives, and one sgemm over the whole widened matrix the same
/// within rounding (OpenBLAS's Zen kernels give a column other bits when N changes their split of the columns).
func matmulNTWidened(_ C: UnsafeMutablePointer<Float>, ldc: Int, _ A: UnsafePointer<Float>, _ W16: UnsafePointer<BF16>,
                     M: Int, N: Int, K: Int, scratch: UnsafeMutablePointer<Float>) {
    let block = widenBlockColumns(K: K)
    precondition(block > 0, "matmulNTWidened: K = \(K) rows do not fit the widening scratch")
    var n0 = 0
    while n0 < N {
        let nb = min(block, N - n0)
        convertFromBF16(scratch, W16 + n0 * K, nb * K)
        BLAS.sgemm(transA: false, transB: true, M: M, N: nb, K: K, A: A, lda: K, B: scratch, ldb: K, C: C + n0, ldc: ldc)
        n0 += nb
    }
}
