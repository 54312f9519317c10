// Included twice by attention.c, once per target: the passes of decode attention, named through NC_NAME.

#include "lanes.h"

// q · k_c for c < C keys at once (C independent chains), each the documented sum over D. Each load also prefetches the
// same offset `pf` floats on (the key `ahead` positions on) into L2: one prefetch per load keeps a steady stream in
// flight, where a burst of a position's whole run ahead (48 prefetches at d12) was mostly lost and one core read the
// cache at the sum of its read and compute times (13.5 GB/s against 21 spread, dev/LOG.md 2026-12-04). Prefetches
// never fault, so reading ahead past the cache's end is harmless.
AI void NC_NAME(dots)(const float *q, const float *const *k, long D, float scale, float *out, long stride, int C, long pf) {
    nc_f32x16 acc[4];
    for (int c = 0; c < C; c++) acc[c] = (nc_f32x16)0;
    long d = 0;
    for (; d + 16 <= D; d += 16) {
        nc_f32x16 qv = NC_NAME(load16)(q + d);
        for (int c = 0; c < C; c++) __builtin_prefetch(k[c] + d + pf, 0, 2);
        for (int c = 0; c < C; c++) acc[c] = __builtin_elementwise_fma(qv, NC_NAME(load16)(k[c] + d), acc[c]);
    }
    for (int c = 0; c < C; c++) {
        float s = NC_NAME(lane_sum16)(acc[c]);
        for (long t = d; t < D; t++) s = __builtin_fmaf(q[t], k[c][t], s);
        out[c * stride] = s * scale;
    }
}

static void NC_NAME(attn_scores)(const float *q, const float *keys, long ks, long nh, long group, long D, long n,
                                 float scale, float *scores, long ld, long ahead) {
    long j = 0;
    for (; j + 4 <= n; j += 4) {
        for (long h = 0; h < nh; h++) {
            const float *k[4];
            for (int c = 0; c < 4; c++) k[c] = keys + (j + c) * ks + (h / group) * D;
            NC_NAME(dots)(q + h * D, k, D, scale, scores + h * ld + j, 1, 4, ahead * ks);
        }
    }
    for (; j < n; j++) {
        for (long h = 0; h < nh; h++) {
            const float *k[1] = { keys + j * ks + (h / group) * D };
            NC_NAME(dots)(q + h * D, k, D, scale, scores + h * ld + j, 1, 1, ahead * ks);
        }
    }
}

static void NC_NAME(attn_values)(float *acc, const float *p, long ld, const float *values, long ks, long nh,
                                 long group, long D, long n, long ahead) {
    for (long j = 0; j < n; j++) {
        const float *vj = values + j * ks;
        for (long h = 0; h < nh; h++) {
            float w = p[h * ld + j];
            const float *v = vj + (h / group) * D;
            float *a = acc + h * D;
            nc_f32x16 wv = (nc_f32x16)w;
            long d = 0;
            for (; d + 16 <= D; d += 16) {
                __builtin_prefetch(v + d + ahead * ks, 0, 2);
                NC_NAME(store16)(a + d, __builtin_elementwise_fma(wv, NC_NAME(load16)(v + d), NC_NAME(load16)(a + d)));
            }
            for (; d < D; d++) a[d] = __builtin_fmaf(w, v[d], a[d]);
        }
    }
}
