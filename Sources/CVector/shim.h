#pragma once
// Vector operations Swift's SIMD types lack a fast form of. Clang's ext_vector_type(8) float imports as
// SIMD8<Float>, and these static inline functions inline into the Swift loops that call them.

typedef float nc_float8 __attribute__((ext_vector_type(8)));

/// Lane-wise IEEE square root in one instruction (vsqrtps). `SIMD8<Float>.squareRoot()` compiles to
/// eight scalar sqrtss, each with a libm call for negative inputs (errno), which made AdamW compute-bound.
static inline __attribute__((always_inline)) nc_float8 nc_sqrt8(nc_float8 x) {
    return __builtin_elementwise_sqrt(x);
}
