/* kernelsSoftmax.c — numerically stable softmax, SiLU and SwiGLU, with a
 * scalar reference (libm expf) and AVX2 versions built on a polynomial exp
 * (Cephes' expf: range reduction by ln 2, degree-5 polynomial, ~2 ulp). */
#include <math.h>

#include "runtime/cpu/kernels.h"

#ifdef HGN_KERNELS_X86
#include <immintrin.h>
#define HGN_X86     1
#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#endif

static void softmaxScalar(float *x, int64_t n) {
    float max = -INFINITY;
    for (int64_t i = 0; i < n; i++) max = fmaxf(max, x[i]);
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
    float inv = 1.0f / sum;
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

static void siluScalar(const float *x, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] / (1.0f + expf(-x[i]));
}

static void swigluScalar(const float *g, const float *u, float *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

#ifdef HGN_X86
/* exp(x) for x in [-87.3, 88] (inputs clamped to that range: below, the true
 * value is under 2^-126 and flushes to ~1e-38; above, it saturates). */
TARGET_AVX2 static inline __m256 exp256(__m256 x) {
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.0f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

TARGET_AVX2 static inline float hmax256(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

TARGET_AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Lanes [0, r) of a vector, r < 8, for tails (the others read as `fill`). */
TARGET_AVX2 static inline __m256i tailMask(int64_t r) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)r), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

TARGET_AVX2 static void softmaxAvx2(float *x, int64_t n) {
    int64_t i = 0;
    __m256 m = _mm256_set1_ps(-INFINITY);
    for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    float max = hmax256(m);
    for (; i < n; i++) max = fmaxf(max, x[i]);
    __m256 vmax = _mm256_set1_ps(max), s = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        _mm256_storeu_ps(x + i, e);
        s = _mm256_add_ps(s, e);
    }
    if (i < n) {
        __m256i mask = tailMask(n - i);
        __m256 e = exp256(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), vmax));
        e = _mm256_and_ps(e, _mm256_castsi256_ps(mask));
        _mm256_maskstore_ps(x + i, mask, e);
        s = _mm256_add_ps(s, e);
    }
    __m256 inv = _mm256_set1_ps(1.0f / hsum256(s));
    for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (; i < n; i++) x[i] *= _mm256_cvtss_f32(inv);
}

TARGET_AVX2 static inline __m256 silu256(__m256 g) {
    __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), g));
    return _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}

TARGET_AVX2 static void swigluAvx2(const float *g, const float *u, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, u ? _mm256_mul_ps(silu256(_mm256_loadu_ps(g + i)), _mm256_loadu_ps(u + i))
                                  : silu256(_mm256_loadu_ps(g + i)));
    if (i < n) {
        __m256i mask = tailMask(n - i);
        __m256 r = silu256(_mm256_maskload_ps(g + i, mask));
        if (u) r = _mm256_mul_ps(r, _mm256_maskload_ps(u + i, mask));
        _mm256_maskstore_ps(y + i, mask, r);
    }
}
#endif

void hgnSoftmax(float *x, int64_t n) {
    if (n <= 0) return;
#ifdef HGN_X86
    if (hgnCpuLevel() >= HGN_CPU_AVX2) {
        softmaxAvx2(x, n);
        return;
    }
#endif
    softmaxScalar(x, n);
}

void hgnSilu(const float *x, float *y, int64_t n) {
#ifdef HGN_X86
    if (hgnCpuLevel() >= HGN_CPU_AVX2) {
        swigluAvx2(x, NULL, y, n);
        return;
    }
#endif
    siluScalar(x, y, n);
}

void hgnSwiglu(const float *gate, const float *up, float *y, int64_t n) {
#ifdef HGN_X86
    if (hgnCpuLevel() >= HGN_CPU_AVX2) {
        swigluAvx2(gate, up, y, n);
        return;
    }
#endif
    swigluScalar(gate, up, y, n);
}
