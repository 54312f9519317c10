// Included twice by head.c, once per target: the kernels of the lm-head's row passes, named through NC_NAME.

#include "lanes.h"   // load16, store16 (f16 and nc_f32x16 are the same vector type)
static inline __attribute__((always_inline)) f16 NC_NAME(select16)(i16 m, f16 a, f16 b) {   // m ? a : b
    return (f16)(((i16)a & m) | ((i16)b & ~m));
}

// vtanh: clamp to ±7.905… (vmin/vmax keep a NaN), rational p/q, NaN put back
static inline __attribute__((always_inline)) f16 NC_NAME(tanh16)(f16 x0) {
    const f16 hi = F16(7.90531110763549805f), lo = F16(-7.90531110763549805f);
    f16 x = NC_NAME(select16)(hi < x0, hi, x0);
    x = NC_NAME(select16)(lo > x, lo, x);
    f16 x2 = x * x;
    f16 p = F16(-2.76076847742355e-16f);
    p = p * x2 + F16(2.00018790482477e-13f);
    p = p * x2 + F16(-8.60467152213735e-11f);
    p = p * x2 + F16(5.12229709037114e-08f);
    p = p * x2 + F16(1.48572235717979e-05f);
    p = p * x2 + F16(6.37261928875436e-04f);
    p = p * x2 + F16(4.89352455891786e-03f);
    p = p * x;
    f16 q = F16(1.19825839466702e-06f);
    q = q * x2 + F16(1.18534705686654e-04f);
    q = q * x2 + F16(2.26843463243900e-03f);
    q = q * x2 + F16(4.89352518554385e-03f);
    return NC_NAME(select16)(x0 != x0, x0, p / q);
}

// vexp: range reduction by ln 2, degree-6 polynomial, 2^n from the exponent bits
static inline __attribute__((always_inline)) f16 NC_NAME(exp16)(f16 x) {
    const f16 magic = F16(0x1.8p23f);
    f16 t = x * F16(1.44269504088896341f) + magic;
    f16 fx = t - magic;
    f16 r = x - fx * F16(0.693359375f);
    r = r - fx * F16(-2.12194440e-4f);
    f16 z = r * r;
    f16 y = F16(1.9875691500e-4f);
    y = y * r + F16(1.3981999507e-3f);
    y = y * r + F16(8.3334519073e-3f);
    y = y * r + F16(4.1665795894e-2f);
    y = y * r + F16(1.6666665459e-1f);
    y = y * r + F16(5.0000001201e-1f);
    y = y * z + r + F16(1.0f);
    u16 n = (u16)t - 0x4B400000u;                   // bit casts, wrapping integer math (as Swift's &-, &+)
    f16 scale = (f16)((n + 127u) << 23);
    return y * scale;
}

static void NC_NAME(softcap_exp)(float *row, float *e, long n8, float *sums8) {
    const f16 cap = F16(15.0f), invCap = F16(1.0f / 15.0f);
    nc_float8 s; memcpy(&s, sums8, sizeof s);
    long j = 0;
    for (; j + 16 <= n8; j += 16) {
        f16 z = cap * NC_NAME(tanh16)(NC_NAME(load16)(row + j) * invCap);
        NC_NAME(store16)(row + j, z);
        f16 ez = NC_NAME(exp16)(z - cap);
        if (e) NC_NAME(store16)(e + j, ez);
        s = s + ez.lo;
        s = s + ez.hi;
    }
    if (j < n8) {   /* one block of 8 left: run it in the low half */
        float buf[16] = {0};
        memcpy(buf, row + j, 8 * sizeof(float));
        f16 z = cap * NC_NAME(tanh16)(NC_NAME(load16)(buf) * invCap);
        f16 ez = NC_NAME(exp16)(z - cap);
        memcpy(row + j, &z, 8 * sizeof(float));
        if (e) memcpy(e + j, &ez, 8 * sizeof(float));
        s = s + ez.lo;
    }
    memcpy(sums8, &s, sizeof s);
}

static void NC_NAME(dlogits)(float *row, const float *e, long n8, float inv1, float scale1) {
    const f16 invCap = F16(1.0f / 15.0f), one = F16(1.0f), inv = F16(inv1), sc = F16(scale1);
    long j = 0;
    for (; j + 16 <= n8; j += 16) {
        f16 t = NC_NAME(load16)(row + j) * invCap;
        NC_NAME(store16)(row + j, NC_NAME(load16)(e + j) * inv * (one - t * t) * sc);
    }
    if (j < n8) {
        float r[16] = {0}, ee[16] = {0};
        memcpy(r, row + j, 8 * sizeof(float)); memcpy(ee, e + j, 8 * sizeof(float));
        f16 t = NC_NAME(load16)(r) * invCap;
        f16 d = NC_NAME(load16)(ee) * inv * (one - t * t) * sc;
        memcpy(row + j, &d, 8 * sizeof(float));
    }
}
