#pragma once
#include <cblas.h>

// Not BLAS, but this is the project's one C header on Linux: a software prefetch for the decode kernels
// (Math/SmallGEMM.swift), which Swift cannot spell. It asks for the cache line at p, never faults.
static inline __attribute__((always_inline)) void nanochat_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
