#pragma once
// The run-time pick between a kernel's AVX-512 build and its default build (private to CKernels).

#if defined(__x86_64__)
/// 1 when this CPU runs AVX-512F with VL (every AVX-512 server core since Skylake-SP), else 0; asked once.
int nc_cpu_has_avx512(void);
#endif
