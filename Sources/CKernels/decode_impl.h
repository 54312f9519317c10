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

// Accumulates x[t, k0 ..< k1] · w[r, k0 ..< k1] for r < R, t < T (constants after inlining: the arrays live in
// registers) into 16 lanes per output, starting from zero at k0 = 0 and otherwise from acc[r·accStride + t]. When
// k1 is the last multiple of 16 it sums the lanes, fuses in the tail and writes out[t·ldOut + r]; otherwise it
// stores the lanes back to acc. Either way each lane adds its products in increasing k, so a span split anywhere
// on a multiple of 16 gives the same bits as one pass. For pfLo ≤ k < pfHi (so x tiles can share the prefetching)
// each 16-weight step also prefetches rows r + NC_GROUP at the same offset: the next group's rows, so the stream
// keeps a read in flight while later x tiles compute from cache. Prefetches never fault, so reading ahead past the
// matrix's end is harmless. They go to L2 (prefetcht1), not L1: on a Zen 4, prefetcht0 at batch 8 left memory idle
// while the tile computed (one core read 300 MB at 10 GB/s, the sum of the compute and read times) and into L2 it
// reads at 21 GB/s, batch 1 at 23 against 19 (dev/LOG.md, 2026-12-04).
AI void NC_NAME(steps)(nc_f32x16 a[8][NC_X_TILE], const float *x, const void *w, long K, long from, long to, int ahead,
                       int R, int T, int bf16) {
    for (long i = from; i < to; i += 16) {
        if (ahead) for (int r = 0; r < R; r++) __builtin_prefetch(NC_NAME(row)(w, (NC_GROUP + r) * K + i, bf16), 0, 2);
        nc_f32x16 wv[8];
        for (int r = 0; r < R; r++) wv[r] = NC_NAME(load_w)(w, r * K + i, bf16);
        for (int t = 0; t < T; t++) {
            nc_f32x16 xv = NC_NAME(load16)(x + t * K + i);
            for (int r = 0; r < R; r++) a[r][t] = __builtin_elementwise_fma(xv, wv[r], a[r][t]);
        }
    }
}

AI void NC_NAME(tile)(const float *x, const void *w, float *out, long ldOut, long K, long k0, long k1, nc_f32x16 *acc,
                      long accStride, long pfLo, long pfHi, int R, int T, int bf16) {
    nc_f32x16 a[8][NC_X_TILE];
    for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) a[r][t] = k0 == 0 ? (nc_f32x16)0 : acc[r * accStride + t];
    if (pfLo == k0 && pfHi == k1) {   // the whole span prefetches (always at batch 1): one loop
        NC_NAME(steps)(a, x, w, K, k0, k1, 1, R, T, bf16);
    } else {
        NC_NAME(steps)(a, x, w, K, k0, pfLo, 0, R, T, bf16);
        NC_NAME(steps)(a, x, w, K, pfLo, pfHi, 1, R, T, bf16);
        NC_NAME(steps)(a, x, w, K, pfHi, k1, 0, R, T, bf16);
    }
    if (k1 < (K & ~15L)) {
        for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) acc[r * accStride + t] = a[r][t];
        return;
    }
    for (int r = 0; r < R; r++) for (int t = 0; t < T; t++) {
        float s = NC_NAME(lane_sum16)(a[r][t]);
        for (long j = k1; j < K; j++) s = __builtin_fmaf(x[t * K + j], NC_NAME(weight)(w, r * K + j, bf16), s);
        out[t * ldOut + r] = s;
    }
}

// Rows g ..< end of the group against T x rows over k0 ..< k1 (acc: the group's lanes, [row − g][M], x row m0 at
// column 0): tiles of NC_ROW_TILE(T) rows, the rest one by one. Short rows go one at a time, so the group is read as
// one sequential stream: a tile of 8 rows of 1 KB (d4's K = 256 in fp32) is 8 interleaved short streams, which read
// at ~22 GB/s cold against ~32 one by one on a Zen 4, while at 3 KB (K = 768) the tiles stay ahead (~32 against
// ~30). End to end: rows ≤ 1 KB at any batch, and ≤ 1.5 KB at batch 1 (d6 fp32, d12 bf16) gain; 1.5 KB rows at
// batch 8 lost 12 % at d12 bf16 (dev/LOG.md, 2026-12-04).
AI void NC_NAME(group)(const float *x, const void *W, float *out, long ldOut, long M, long K, long g, long end, long k0,
                       long k1, nc_f32x16 *acc, long pfLo, long pfHi, int T, int bf16) {
    if (K * (bf16 ? 2 : 4) <= (T == 1 ? 1536 : 1024)) {
        for (long o = g; o < end; o++)
            NC_NAME(tile)(x, NC_NAME(row)(W, o * K, bf16), out + o, ldOut, K, k0, k1, acc + (o - g) * M, M, pfLo, pfHi, 1, T, bf16);
        return;
    }
    const int R = NC_ROW_TILE(T);
    long o = g;
    for (; o + R <= end; o += R)
        NC_NAME(tile)(x, NC_NAME(row)(W, o * K, bf16), out + o, ldOut, K, k0, k1, acc + (o - g) * M, M, pfLo, pfHi, R, T, bf16);
    for (; o < end; o++)
        NC_NAME(tile)(x, NC_NAME(row)(W, o * K, bf16), out + o, ldOut, K, k0, k1, acc + (o - g) * M, M, pfLo, pfHi, 1, T, bf16);
}

// T as a compile-time constant in CALL(t), for every T up to NC_X_TILE.
#if NC_X_TILE > 4
#define NC_SWITCH_T(T, CALL) switch (T) { case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; \
    case 4: CALL(4); break; case 5: CALL(5); break; case 6: CALL(6); break; case 7: CALL(7); break; case 8: CALL(8); break; }
#elif NC_X_TILE > 2
#define NC_SWITCH_T(T, CALL) switch (T) { case 1: CALL(1); break; case 2: CALL(2); break; case 3: CALL(3); break; }
#else
#define NC_SWITCH_T(T, CALL) switch (T) { case 1: CALL(1); break; case 2: CALL(2); break; }
#endif

// Rows lo ..< hi in groups of NC_GROUP: each group against every x tile in turn (the x tile stays in L1 over the
// group's row tiles, the group in L1/L2 over the x tiles), the x tiles prefetching the next group.
// Where NC_K_BLOCKS is set, two things help batches on a small L1 (Zen 3: 32 KB, 16 AVX2 registers; batch 8 at d12
// read weights at 17 GB/s and ran ~70 GFLOP/s, against 31 GB/s at batch 1 and ~125 GFLOP/s from cache):
// - with more than one x tile and at most NC_K_BLOCK_ROWS x rows, k runs in blocks whose slice of the group and of
//   x fit in L1 together, the lanes kept in `acc` between blocks (otherwise each x tile re-reads the group from L2);
// - each x tile prefetches its share of the block's columns, not the first one all of them (a burst of
//   prefetches the memory system cannot take at once, then none while the other tiles compute).
// The blocks alone gained 1.03–1.10×, with the shared prefetch 1.26–1.36× at batch 8 (dev/LOG.md, 2026-12-08).
AI void NC_NAME(gemv_rows)(const float *x, const void *W, float *out, long ldOut, long M, long K, long lo, long hi,
                           int bf16) {
    const long K16 = K & ~15L, tiles = (M + NC_X_TILE - 1) / NC_X_TILE;
    if (tiles == 1) {   // one x tile (batch 1): one pass over k, the span and prefetch known after inlining
        for (long g = lo; g < hi; g += NC_GROUP) {
            long end = g + NC_GROUP < hi ? g + NC_GROUP : hi;
#define NC_WHOLE(t) NC_NAME(group)(x, W, out, ldOut, M, K, g, end, 0, K16, 0, 0, K16, t, bf16)
            NC_SWITCH_T(M, NC_WHOLE)
#undef NC_WHOLE
        }
        return;
    }
    nc_f32x16 acc[NC_GROUP * NC_K_BLOCK_ROWS];
    long block = K16;
    if (NC_K_BLOCKS && M <= NC_K_BLOCK_ROWS) {   // x's and the group's slices in ~20 KB
        block = (20480 / (4 * M + NC_GROUP * (bf16 ? 2 : 4))) & ~15L;
        if (block < 64) block = 64;
    }
    for (long g = lo; g < hi; g += NC_GROUP) {
        long end = g + NC_GROUP < hi ? g + NC_GROUP : hi;
        long k0 = 0;
        do {
            long k1 = K16 - k0 > block ? k0 + block : K16, span = k1 - k0;
            for (long m0 = 0; m0 < M; m0 += NC_X_TILE) {
                long T = M - m0 < NC_X_TILE ? M - m0 : NC_X_TILE, q = m0 / NC_X_TILE;
                long pfLo = k0, pfHi = k1;   // x tile q prefetches its share of the columns, or tile 0 all of them
                if (NC_K_BLOCKS) {
                    pfLo = k0 + ((span * q / tiles) & ~15L);
                    if (q + 1 < tiles) pfHi = k0 + ((span * (q + 1) / tiles) & ~15L);
                } else if (q > 0) pfHi = pfLo;
#define NC_SPAN(t) NC_NAME(group)(x + m0 * K, W, out + m0 * ldOut, ldOut, M, K, g, end, k0, k1, acc + m0, pfLo, pfHi, t, bf16)
                NC_SWITCH_T(T, NC_SPAN)
#undef NC_SPAN
            }
            k0 = k1;
        } while (k0 < K16);
    }
}
#undef NC_SWITCH_T

static void NC_NAME(gemv_f32)(const float *x, const float *W, float *out, long ldOut, long M, long K, long lo, long hi) {
    NC_NAME(gemv_rows)(x, W, out, ldOut, M, K, lo, hi, 0);
}

static void NC_NAME(gemv_bf16)(const float *x, const unsigned short *W, float *out, long ldOut, long M, long K,
                               long lo, long hi) {
    NC_NAME(gemv_rows)(x, W, out, ldOut, M, K, lo, hi, 1);
}
