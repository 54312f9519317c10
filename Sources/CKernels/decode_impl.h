// Included twice by decode.c, once per target: the decode GEMV, named through NC_NAME, with register tiles
// of NC_ROW_TILE(T) weight rows × T ≤ NC_X_TILE x rows. `bf16` is a constant after inlining: weights are
// fp32 (0) or bf16 (1), widened to fp32 on load by a 16-bit shift.

#include "lanes.h"

AI nc_f32x16 NC_NAME(load_w)(const void *w, long e, int bf16) {   // weights e ..< e + 16
    if (bf16) {
        gh16 h; memcpy(&h, (const unsigned short *)w + e, sizeof h);
        return (nc_f32x16)(__builtin_convertvector(h, gu16) << 16);
    }
    return NC_NAME(load16)((const float *)w + e);
}

AI float NC_NAME(weight)(const void *w, long e, int bf16) {
    if (bf16) { unsigned u = (unsigned)((const unsigned short *)w)[e] << 16; float f; memcpy(&f, &u, 4); return f; }
    return ((const float *)w)[e];
}

AI const char *NC_NAME(row)(const void *w, long e, int bf16) { return (const char *)w + e * (bf16 ? 2 : 4); }

// out[t·ldOut + r] = x[t, :] · w[r, :] for r < R, t < T (constants after inlining: the arrays live in
// registers). With `ahead` each 16-weight step also prefetches rows r + NC_GROUP at the same offset: the
// next group's rows, so the stream keeps a read in flight while later x tiles compute from cache.
// Prefetches never fault, so reading ahead past the matrix's end is harmless. They go to L2 (prefetcht1), not L1:
// on a Zen 4, prefetcht0 at batch 8 left memory idle while the tile computed (one core read 300 MB at 10 GB/s,
// the sum of the compute and read times) and into L2 it reads at 21 GB/s, batch 1 at 23 against 19 (dev/LOG.md,
// 2026-12-04).
AI void NC_NAME(tile)(const float *x, const void *w, float *out, long ldOut, long K, int ahead, int R, int T, int bf16) {
    nc_f32x16 acc[8][NC_X_TILE];
    for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) acc[r][t] = (nc_f32x16)0;
    long i = 0;
    for (; i + 16 <= K; i += 16) {
        if (ahead) for (int r = 0; r < R; r++) __builtin_prefetch(NC_NAME(row)(w, (NC_GROUP + r) * K + i, bf16), 0, 2);
        nc_f32x16 wv[8];
        for (int r = 0; r < R; r++) wv[r] = NC_NAME(load_w)(w, r * K + i, bf16);
        for (int t = 0; t < T; t++) {
            nc_f32x16 xv = NC_NAME(load16)(x + t * K + i);
            for (int r = 0; r < R; r++) acc[r][t] = __builtin_elementwise_fma(xv, wv[r], acc[r][t]);
        }
    }
    for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) {
        float s = NC_NAME(lane_sum16)(acc[r][t]);
        for (long j = i; j < K; j++) s = __builtin_fmaf(x[t * K + j], NC_NAME(weight)(w, r * K + j, bf16), s);
        out[t * ldOut + r] = s;
    }
}

// Rows g ..< end of the group against T x rows: tiles of NC_ROW_TILE(T) rows, the rest one by one. Short rows go one
// at a time, so the group is read as one sequential stream: a tile of 8 rows of 1 KB (d4's K = 256 in fp32) is 8
// interleaved short streams, which read at ~22 GB/s cold against ~32 one by one on a Zen 4, while at 3 KB (K = 768)
// the tiles stay ahead (~32 against ~30). End to end: rows ≤ 1 KB at any batch, and ≤ 1.5 KB at batch 1 (d6 fp32,
// d12 bf16) gain; 1.5 KB rows at batch 8 lost 12 % at d12 bf16 (dev/LOG.md, 2026-12-04).
AI void NC_NAME(group)(const float *x, const void *W, float *out, long ldOut, long K, long g, long end, int ahead,
                       int T, int bf16) {
    if (K * (bf16 ? 2 : 4) <= (T == 1 ? 1536 : 1024)) {
        for (long o = g; o < end; o++) NC_NAME(tile)(x, NC_NAME(row)(W, o * K, bf16), out + o, ldOut, K, ahead, 1, T, bf16);
        return;
    }
    const int R = NC_ROW_TILE(T);
    long o = g;
    for (; o + R <= end; o += R) NC_NAME(tile)(x, NC_NAME(row)(W, o * K, bf16), out + o, ldOut, K, ahead, R, T, bf16);
    for (; o < end; o++) NC_NAME(tile)(x, NC_NAME(row)(W, o * K, bf16), out + o, ldOut, K, ahead, 1, T, bf16);
}

// Rows lo ..< hi in groups of NC_GROUP: each group against every x tile in turn (the x tile stays in L1 over
// the group's row tiles, the group in L1/L2 over the x tiles); the first x tile prefetches the next group.
AI void NC_NAME(gemv_rows)(const float *x, const void *W, float *out, long ldOut, long M, long K, long lo, long hi,
                          int bf16) {
    for (long g = lo; g < hi; g += NC_GROUP) {
        long end = g + NC_GROUP < hi ? g + NC_GROUP : hi;
        for (long m0 = 0; m0 < M; m0 += NC_X_TILE) {
            long T = M - m0 < NC_X_TILE ? M - m0 : NC_X_TILE;
            const float *xt = x + m0 * K;
            float *ot = out + m0 * ldOut;
#define NC_CASE(t) case t: if (m0 == 0) NC_NAME(group)(xt, W, ot, ldOut, K, g, end, 1, t, bf16); \
                           else NC_NAME(group)(xt, W, ot, ldOut, K, g, end, 0, t, bf16); break;
            switch (T) {
            NC_CASE(1)
            NC_CASE(2)
#if NC_X_TILE > 2
            NC_CASE(3)
            NC_CASE(4)
#endif
#if NC_X_TILE > 4
            NC_CASE(5)
            NC_CASE(6)
            NC_CASE(7)
            NC_CASE(8)
#endif
            }
#undef NC_CASE
        }
    }
}

static void NC_NAME(gemv_f32)(const float *x, const float *W, float *out, long ldOut, long M, long K, long lo, long hi) {
    NC_NAME(gemv_rows)(x, W, out, ldOut, M, K, lo, hi, 0);
}

static void NC_NAME(gemv_bf16)(const float *x, const unsigned short *W, float *out, long ldOut, long M, long K,
                               long lo, long hi) {
    NC_NAME(gemv_rows)(x, W, out, ldOut, M, K, lo, hi, 1);
}
