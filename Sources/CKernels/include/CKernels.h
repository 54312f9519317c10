#pragma once
// C kernels for the few loops Swift's SIMD types compile poorly: each is written once over 16-lane clang
// vectors and built twice, for AVX-512 (one zmm per vector) and for the package's default target, picked
// at run time. Lane for lane they do the same fp32 operations in the same order as the Swift code they
// replace, with no FMA contraction (-ffp-contract=off), so results are bit-identical on every CPU.

typedef float nc_float8 __attribute__((ext_vector_type(8)));

/// Lane-wise IEEE square root in one instruction (vsqrtps). `SIMD8<Float>.squareRoot()` compiles to
/// eight scalar sqrtss, each with a libm call for negative inputs (errno).
static inline __attribute__((always_inline)) nc_float8 nc_sqrt8(nc_float8 x) {
    return __builtin_elementwise_sqrt(x);
}

/// The lm-head's first pass over one row of logits (Model/Layers/Loss.swift: headRow), for j < n8 (a
/// multiple of 8): row[j] = 15·tanh(row[j]/15) in place; e[j] = exp(row[j] − 15) when e is not NULL;
/// sums8[k] += e[j] for j ≡ k (mod 8), in increasing j, as the Swift 8-lane loop adds them.
void nc_head_softcap_exp(float *row, float *e, long n8, float *sums8);

/// The second pass, for j < n8: row[j] = e[j]·inv·(1 − t²)·scale with t = row[j]/15 (dlogits before the
/// target's −1).
void nc_head_dlogits(float *row, const float *e, long n8, float inv, float scale);

/// Vector FMA instructions per second on this core for `lanes`-wide fp32 vectors (16: AVX-512, 8: AVX2+FMA,
/// 4: NEON): the best of `runs` timings of 12 independent FMA chains. 0 when this CPU or build has no such
/// vectors. The MFU denominator is cores × this × lanes × 2.
double nc_fma_rate(int lanes, int runs);

/// The same FMA chains on `threads` threads at once (all started before any is timed): vector FMA instructions
/// per second summed over the threads, the best of `runs` rounds. Below threads × nc_fma_rate when the
/// threads share cores. 0 when the vectors are missing or the threads cannot be started.
double nc_fma_rate_together(int lanes, int threads, int runs);

/// The decode GEMV (Math/SmallGEMM.swift): out[m·ldOut + o] = Σ_k x[m·K + k]·W[o·K + k] for m < M, lo ≤ o < hi;
/// x: [M, K], W: [rows, K] fp32 or bf16 (the upper half of an fp32). Each output is 16 fused multiply-add
/// lanes over k (lane l takes k ≡ l mod 16, in increasing k), the lanes summed as a tree ((l, l+8), then
/// (l, l+4), (l, l+2), (0, 1)), then the k ≥ 16⌊K/16⌋ tail fused in order: the same on every target and for
/// every M, lo and hi.
void nc_gemv_f32(const float *x, const float *W, float *out, long ldOut, long M, long K, long lo, long hi);
void nc_gemv_bf16(const float *x, const unsigned short *W, float *out, long ldOut, long M, long K, long lo, long hi);

/// Decode attention's key pass over one block (Model/Layers/DecodeAttention.swift): scores[h·ld + j] =
/// scale · Σ_d q[h·D + d]·keys[j·ks + (h/group)·D + d] for h < nh, j < n, each dot in nc_gemv_f32's order;
/// each key load also prefetches the same offset at position j + ahead (into L2).
void nc_attn_scores(const float *q, const float *keys, long ks, long nh, long group, long D, long n, float scale,
                    float *scores, long ld, long ahead);

/// Its value pass: acc[h·D + d] = fma(p[h·ld + j], values[j·ks + (h/group)·D + d], acc[h·D + d]) for j = 0, 1, … n−1.
void nc_attn_values(float *acc, const float *p, long ld, const float *values, long ks, long nh, long group, long D,
                    long n, long ahead);

/// One parallel loop on the decode pool's persistent threads (pool.c): fn(ctx, i) once for each i in 0 ..< width,
/// i = 0 and any index no thread has claimed yet on the calling thread, returning when all are done. The threads
/// poll for ~200 µs after each loop before they sleep, so the back-to-back short loops of a decode step skip the
/// wake-up. Returns 0, having run nothing, when
/// width < 2 or > 64, threads cannot be created, or another loop is running (a nested or concurrent caller):
/// the caller then runs the loop some other way.
typedef void (*nc_pool_fn)(void *ctx, long index);
int nc_pool_run(long width, nc_pool_fn fn, void *ctx);
