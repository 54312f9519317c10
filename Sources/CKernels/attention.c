#include "CKernels.h"
#include "dispatch.h"

// The two streaming passes of decode attention (Model/Layers/DecodeAttention.swift) over one block of cached
// positions: scores against the keys, then the softmax-weighted sum of the values. attention_impl.h holds them;
// compiled once for AVX-512 and once for the default target, picked at run time, in the same order on both
// (16 fused multiply-add lanes over D and a fixed tree, as nc_gemv_f32; values added in increasing position).

#define NC_IMPL "attention_impl.h"
#define NC_AVX512 "avx512f,avx512vl,fma"
#include "twice.h"

void nc_attn_scores(const float *q, const float *keys, long ks, long nh, long group, long D, long n, float scale,
                    float *scores, long ld, long ahead) {
#if defined(__x86_64__)
    if (nc_cpu_has_avx512()) { attn_scores_avx512(q, keys, ks, nh, group, D, n, scale, scores, ld, ahead); return; }
#endif
    attn_scores_default(q, keys, ks, nh, group, D, n, scale, scores, ld, ahead);
}

void nc_attn_values(float *acc, const float *p, long ld, const float *values, long ks, long nh, long group, long D,
                    long n, long ahead) {
#if defined(__x86_64__)
    if (nc_cpu_has_avx512()) { attn_values_avx512(acc, p, ld, values, ks, nh, group, D, n, ahead); return; }
#endif
    attn_values_default(acc, p, ld, values, ks, nh, group, D, n, ahead);
}
