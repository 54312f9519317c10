// Included by a kernel file after it defines NC_IMPL (its impl header) and NC_AVX512 (the target features of
// its AVX-512 build): builds the impl header twice, its functions named f_avx512 and f_default through NC_NAME.
// dispatch.h picks between them at run time.

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target(NC_AVX512))), apply_to = function)
#define NC_NAME(f) f##_avx512
#include NC_IMPL
#undef NC_NAME
#pragma clang attribute pop
#endif

#define NC_NAME(f) f##_default
#include NC_IMPL
#undef NC_NAME
