#include "CKernels.h"
#include "dispatch.h"

// The decode GEMV (Math/SmallGEMM.swift: smallMatmulNT): out[m, o] = x[m, :] · W[o, :] for a few rows m,
// each weight row streamed from memory once per call for all of them. decode_impl.h holds the kernel; it
// is compiled once for AVX-512 (32 registers: tiles of 8 weight rows × 1–2 x rows or 2 × 3–8) and once for
// the default target (4 × 1 or 2 × 2–3), picked at run time. Every output is the same sum in the same order on
// both (16 fused multiply-add lanes over K, lanes.h's tree over the lanes, then the tail), whatever M, the
// tile or the thread: a sequence decodes to the same tokens alone or batched, and bf16 weights give exactly the fp32
// kernel's result on their widened values.

#define NC_GROUP 8   // weight rows per group (a multiple of both row tiles)
#define NC_K_BLOCK_ROWS 16   // k blocks up to this many x rows (more: the blocks get too short to pay)
typedef unsigned short gh16 __attribute__((ext_vector_type(16)));
typedef unsigned int gu16 __attribute__((ext_vector_type(16)));   // vector casts between these are bit casts
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,fma"))), apply_to = function)
#define NC_NAME(f) f##_avx512
#define NC_ROW_TILE(T) ((T) <= 2 ? 8 : 2)   // more rows in flight when few x rows share them
#define NC_X_TILE 8
#define NC_K_BLOCKS 0   // tuned on Zen 4 without them (one x tile up to batch 8)
#include "decode_impl.h"
#undef NC_NAME
#undef NC_ROW_TILE
#undef NC_X_TILE
#undef NC_K_BLOCKS
#pragma clang attribute pop
#endif

#define NC_NAME(f) f##_default
#define NC_ROW_TILE(T) ((T) == 1 ? 4 : 2)
#define NC_X_TILE 3     // 2 × 3 tiles: 12 of the 16 AVX2 registers hold lanes, 4 a weight tile
#define NC_K_BLOCKS 1
#include "decode_impl.h"
#undef NC_NAME

void nc_gemv_f32(const float *x, const float *W, float *out, long ldOut, long M, long K, long lo, long hi) {
#if defined(__x86_64__)
    if (nc_cpu_has_avx512()) { gemv_f32_avx512(x, W, out, ldOut, M, K, lo, hi); return; }
#endif
    gemv_f32_default(x, W, out, ldOut, M, K, lo, hi);
}

void nc_gemv_bf16(const float *x, const unsigned short *W, float *out, long ldOut, long M, long K, long lo, long hi) {
#if defined(__x86_64__)
    if (nc_cpu_has_avx512()) { gemv_bf16_avx512(x, W, out, ldOut, M, K, lo, hi); return; }
#endif
    gemv_bf16_default(x, W, out, ldOut, M, K, lo, hi);
}
