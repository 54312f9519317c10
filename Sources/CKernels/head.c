#include "CKernels.h"
#include "dispatch.h"
#include <string.h>

// The lm-head's per-row passes (Model/Layers/Loss.swift: headRow), lane for lane the math of Math/Vector.swift's
// vtanh and vexp: Eigen's rational tanh and Cephes' expf, no FMA. head_impl.h holds the kernels; it is
// compiled once for AVX-512 and once for the default target.

#pragma clang fp contract(off)   // no FMA: the same roundings as the Swift code on every target
typedef float f16 __attribute__((ext_vector_type(16)));
typedef int i16 __attribute__((ext_vector_type(16)));
typedef unsigned u16 __attribute__((ext_vector_type(16)));   // vector casts between these are bit casts
#define F16(x) ((f16)(x))

#define NC_IMPL "head_impl.h"
#define NC_AVX512 "avx512f"
#include "twice.h"

void nc_head_softcap_exp(float *row, float *e, long n8, float *sums8) {
#if defined(__x86_64__)
    if (nc_cpu_has_avx512()) { softcap_exp_avx512(row, e, n8, sums8); return; }
#endif
    softcap_exp_default(row, e, n8, sums8);
}

void nc_head_dlogits(float *row, const float *e, long n8, float inv, float scale) {
#if defined(__x86_64__)
    if (nc_cpu_has_avx512()) { dlogits_avx512(row, e, n8, inv, scale); return; }
#endif
    dlogits_default(row, e, n8, inv, scale);
}
