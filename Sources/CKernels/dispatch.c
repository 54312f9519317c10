#include "dispatch.h"

#if defined(__x86_64__)
int nc_cpu_has_avx512(void) {
    static int cached = -1;
    if (cached < 0) cached = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") ? 1 : 0;
    return cached;
}
#endif
