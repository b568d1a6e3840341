/* kernelsNorm.c — RMSNorm: scalar reference (sum of squares in double) and an
 * AVX2 version (four f32 accumulators). */
#include <math.h>

#include "runtime/cpu/kernels.h"

#ifdef HGN_KERNELS_X86
#include <immintrin.h>
#define HGN_X86     1
#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#endif

static void rmsNormScalar(const float *x, const float *w, float eps, float *y, int64_t cols) {
    double ss = 0.0;
    for (int64_t i = 0; i < cols; i++) ss += (double)x[i] * x[i];
    float scale = 1.0f / sqrtf((float)(ss / (double)cols) + eps);
    for (int64_t i = 0; i < cols; i++) y[i] = w ? x[i] * scale * w[i] : x[i] * scale;
}

#ifdef HGN_X86
TARGET_AVX2 static void rmsNormAvx2(const float *x, const float *w, float eps, float *y, int64_t cols) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= cols; i += 32) {
        __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8), v2 = _mm256_loadu_ps(x + i + 16),
               v3 = _mm256_loadu_ps(x + i + 24);
        a0 = _mm256_fmadd_ps(v0, v0, a0);
        a1 = _mm256_fmadd_ps(v1, v1, a1);
        a2 = _mm256_fmadd_ps(v2, v2, a2);
        a3 = _mm256_fmadd_ps(v3, v3, a3);
    }
    for (; i + 8 <= cols; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        a0 = _mm256_fmadd_ps(v, v, a0);
    }
    __m256 a = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float ss = _mm_cvtss_f32(s);
    for (; i < cols; i++) ss += x[i] * x[i];
    float scale = 1.0f / sqrtf(ss / (float)cols + eps);
    __m256 vs = _mm256_set1_ps(scale);
    for (i = 0; i + 8 <= cols; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), vs);
        if (w) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
        _mm256_storeu_ps(y + i, v);
    }
    for (; i < cols; i++) y[i] = w ? x[i] * scale * w[i] : x[i] * scale;
}
#endif

void hgnRmsNorm(const float *x, const float *w, float eps, float *y, int64_t rows, int64_t cols) {
    if (cols <= 0) return;
#ifdef HGN_X86
    if (hgnCpuLevel() >= HGN_CPU_AVX2) {
        for (int64_t r = 0; r < rows; r++) rmsNormAvx2(x + r * cols, w, eps, y + r * cols, cols);
        return;
    }
#endif
    for (int64_t r = 0; r < rows; r++) rmsNormScalar(x + r * cols, w, eps, y + r * cols, cols);
}
