#include "CBenchKernels.h"
#include <string.h>

// The read-bandwidth probe's loop (NanoChatBench/Bandwidth.swift): the accumulators stay in registers for
// every stream count (Swift's array of SIMD16 accumulators did not, and read 20–25 % less).

#pragma clang diagnostic ignored "-Wpsabi"
typedef float v16 __attribute__((ext_vector_type(16)));

static inline __attribute__((always_inline)) float sum_runs(const float *p, long n, int S) {
    long len = n / S / 16 * 16;
    v16 acc[16];
    for (int s = 0; s < S; s++) acc[s] = (v16)0;
    for (long i = 0; i < len; i += 16)
        for (int s = 0; s < S; s++) { v16 x; memcpy(&x, p + s * len + i, sizeof x); acc[s] += x; }
    v16 t = (v16)0;
    for (int s = 0; s < S; s++) t += acc[s];
    float total = 0;
    for (int l = 0; l < 16; l++) total += t[l];
    for (long j = (long)S * len; j < n; j++) total += p[j];
    return total;
}

float ncb_stream_sum(const float *p, long n, int streams) {
    switch (streams) {
    case 4: return sum_runs(p, n, 4);
    case 8: return sum_runs(p, n, 8);
    case 16: return sum_runs(p, n, 16);
    default: return sum_runs(p, n, 1);
    }
}
