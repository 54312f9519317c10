// The 16-lane fp32 vector of the kernels (decode_impl.h, attention_impl.h, head_impl.h) and the helpers they share,
// so the lane tree that fixes their summation order is written once. Included by each impl header, so once
// per target: the helpers are named through NC_NAME and built with that target's features (an AVX-512
// function cannot inline a default-target one that passes 16-lane vectors).

#ifndef NC_LANES_TYPES
#define NC_LANES_TYPES
#include <string.h>
#include "CKernels.h"
#pragma clang diagnostic ignored "-Wpsabi"   // always inlined: no vector crosses a call
typedef float nc_f32x16 __attribute__((ext_vector_type(16)));
typedef float nc_f32x4 __attribute__((ext_vector_type(4)));
typedef float nc_f32x2 __attribute__((ext_vector_type(2)));
#define AI static inline __attribute__((always_inline))   // the impl headers' helpers: no vector crosses a call
#endif

AI nc_f32x16 NC_NAME(load16)(const float *p) {
    nc_f32x16 v; memcpy(&v, p, sizeof v); return v;
}

AI void NC_NAME(store16)(float *p, nc_f32x16 v) { memcpy(p, &v, sizeof v); }

/// Σ of the lanes as a fixed tree: lanes (l, l+8), then (l, l+4), (l, l+2), (0, 1).
AI float NC_NAME(lane_sum16)(nc_f32x16 a) {
    nc_float8 s8 = a.lo + a.hi;
    nc_f32x4 s4 = s8.lo + s8.hi;
    nc_f32x2 s2 = s4.lo + s4.hi;
    return s2.x + s2.y;
}
