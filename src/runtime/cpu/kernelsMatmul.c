/* kernelsMatmul.c — matrix-vector and matrix-matrix products over weights
 * read where they lie (F32, F16, BF16, Q8_0, Q4_0, Q4_1): the per-row dot
 * products (scalar, AVX2+FMA+F16C, AVX-512 VNNI for the int8 ones), the
 * row-parallel driver, and OpenBLAS SGEMM for large F32 batches. */
#include <cblas.h>
#include <string.h>

#include "runtime/cpu/kernels.h"

#ifdef HGN_KERNELS_X86
#include <immintrin.h>
#define HGN_X86     1
#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#define TARGET_VNNI __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#endif

typedef float (*DotFn)(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n);
typedef void (*Dot2Fn)(const void *rowA, const void *rowB, const float *x, int64_t n, float *out);

/* ---- scalar references ------------------------------------------------------------- */

static float dotF32Scalar(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const float *w = row;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += w[i] * x[i];
    return s;
}

static float dotF16Scalar(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const uint16_t *w = row;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += hgnF16ToF32(w[i]) * x[i];
    return s;
}

static float dotBf16Scalar(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const uint16_t *w = row;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += hgnBf16ToF32(w[i]) * x[i];
    return s;
}

static float dotQ8_0Scalar(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const HgnBlockQ8_0 *w = row;
    float s = 0.0f;
    for (int64_t b = 0; b < n / HGN_QK; b++) {
        int32_t isum = 0;
        for (int j = 0; j < HGN_QK; j++) isum += w[b].qs[j] * xq[b].qs[j];
        s += (float)isum * (hgnF16ToF32(w[b].d) * xq[b].d);
    }
    return s;
}

static float dotQ4_0Scalar(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const HgnBlockQ4_0 *w = row;
    float s = 0.0f;
    for (int64_t b = 0; b < n / HGN_QK; b++) {
        int32_t isum = 0;
        for (int j = 0; j < HGN_QK / 2; j++)
            isum += ((w[b].qs[j] & 0x0f) - 8) * xq[b].qs[j] + ((w[b].qs[j] >> 4) - 8) * xq[b].qs[j + 16];
        s += (float)isum * (hgnF16ToF32(w[b].d) * xq[b].d);
    }
    return s;
}

static float dotQ4_1Scalar(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const HgnBlockQ4_1 *w = row;
    float s = 0.0f;
    for (int64_t b = 0; b < n / HGN_QK; b++) {
        int32_t isum = 0;
        for (int j = 0; j < HGN_QK / 2; j++)
            isum += (w[b].qs[j] & 0x0f) * xq[b].qs[j] + (w[b].qs[j] >> 4) * xq[b].qs[j + 16];
        s += (float)isum * (hgnF16ToF32(w[b].d) * xq[b].d) + hgnF16ToF32(w[b].m) * xq[b].s;
    }
    return s;
}

/* ---- AVX2 + FMA + F16C -------------------------------------------------------------------- */

#ifdef HGN_X86
TARGET_AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

TARGET_AVX2 static inline float f16Scalar(uint16_t h) { return _cvtsh_ss(h); }

TARGET_AVX2 static float dotF32Avx2(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const float *w = row;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + i), _mm256_loadu_ps(x + i), a0);
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += w[i] * x[i];
    return s;
}

TARGET_AVX2 static float dotF16Avx2(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const uint16_t *w = row;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i))), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 8))), _mm256_loadu_ps(x + i + 8),
                             a1);
        a2 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 16))),
                             _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i + 24))),
                             _mm256_loadu_ps(x + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8)
        a0 = _mm256_fmadd_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + i))), _mm256_loadu_ps(x + i), a0);
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += f16Scalar(w[i]) * x[i];
    return s;
}

TARGET_AVX2 static inline __m256 bf16x8(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}

TARGET_AVX2 static float dotBf16Avx2(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const uint16_t *w = row;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a0 = _mm256_fmadd_ps(bf16x8(w + i), _mm256_loadu_ps(x + i), a0);
        a1 = _mm256_fmadd_ps(bf16x8(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
        a2 = _mm256_fmadd_ps(bf16x8(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
        a3 = _mm256_fmadd_ps(bf16x8(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(bf16x8(w + i), _mm256_loadu_ps(x + i), a0);
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; i < n; i++) s += hgnBf16ToF32(w[i]) * x[i];
    return s;
}

/* Two rows against one activation vector, for the float types: the vector is
 * loaded once for both rows (with 8192 columns it no longer fits in L1 next
 * to the streaming weights). Each row keeps exactly the accumulation order of
 * the one-row kernels above, so results are bit-identical to them. */
#define DOT2_AVX2(name, LOAD8, SCALAR)                                                                                 \
    TARGET_AVX2 static void name(const void *rowA, const void *rowB, const float *x, int64_t n, float *out) {          \
        const uint16_t *hA = rowA, *hB = rowB; /* the LOAD8/SCALAR macros pick their view */                           \
        const float *fA = rowA, *fB = rowB;                                                                            \
        (void)hA, (void)hB, (void)fA, (void)fB;                                                                        \
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;                \
        int64_t i = 0;                                                                                                 \
        for (; i + 32 <= n; i += 32) {                                                                                 \
            __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8), x2 = _mm256_loadu_ps(x + i + 16),     \
                   x3 = _mm256_loadu_ps(x + i + 24);                                                                   \
            a0 = _mm256_fmadd_ps(LOAD8(A, i), x0, a0);                                                                 \
            b0 = _mm256_fmadd_ps(LOAD8(B, i), x0, b0);                                                                 \
            a1 = _mm256_fmadd_ps(LOAD8(A, i + 8), x1, a1);                                                             \
            b1 = _mm256_fmadd_ps(LOAD8(B, i + 8), x1, b1);                                                             \
            a2 = _mm256_fmadd_ps(LOAD8(A, i + 16), x2, a2);                                                            \
            b2 = _mm256_fmadd_ps(LOAD8(B, i + 16), x2, b2);                                                            \
            a3 = _mm256_fmadd_ps(LOAD8(A, i + 24), x3, a3);                                                            \
            b3 = _mm256_fmadd_ps(LOAD8(B, i + 24), x3, b3);                                                            \
        }                                                                                                              \
        for (; i + 8 <= n; i += 8) {                                                                                   \
            __m256 x0 = _mm256_loadu_ps(x + i);                                                                        \
            a0 = _mm256_fmadd_ps(LOAD8(A, i), x0, a0);                                                                 \
            b0 = _mm256_fmadd_ps(LOAD8(B, i), x0, b0);                                                                 \
        }                                                                                                              \
        float sa = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));                               \
        float sb = hsum256(_mm256_add_ps(_mm256_add_ps(b0, b1), _mm256_add_ps(b2, b3)));                               \
        for (; i < n; i++) {                                                                                           \
            sa += SCALAR(A, i) * x[i];                                                                                 \
            sb += SCALAR(B, i) * x[i];                                                                                 \
        }                                                                                                              \
        out[0] = sa;                                                                                                   \
        out[1] = sb;                                                                                                   \
    }

#define LOAD_F32(R, i)    _mm256_loadu_ps(f##R + (i))
#define SCALAR_F32(R, i)  f##R[i]
#define LOAD_F16(R, i)    _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h##R + (i))))
#define SCALAR_F16(R, i)  f16Scalar(h##R[i])
#define LOAD_BF16(R, i)   bf16x8(h##R + (i))
#define SCALAR_BF16(R, i) hgnBf16ToF32(h##R[i])
DOT2_AVX2(dot2F32Avx2, LOAD_F32, SCALAR_F32)
DOT2_AVX2(dot2F16Avx2, LOAD_F16, SCALAR_F16)
DOT2_AVX2(dot2Bf16Avx2, LOAD_BF16, SCALAR_BF16)

/* Σ over 8 int32 lanes of (unsigned u8 a) * (signed s8 b), pairs added: maddubs
 * then madd with ones. Callers keep |a*b| pairs below the int16 limit. */
TARGET_AVX2 static inline __m256i dotU8S8Avx2(__m256i a, __m256i b) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), _mm256_set1_epi16(1));
}

TARGET_AVX2 static inline __m256i nibbles(const uint8_t *qs) {
    __m128i q = _mm_loadu_si128((const __m128i *)qs);
    __m128i lo = _mm_and_si128(q, _mm_set1_epi8(0x0f)), hi = _mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(0x0f));
    return _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

TARGET_AVX2 static float dotQ8_0Avx2(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const HgnBlockQ8_0 *w = row;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    int64_t nb = n / HGN_QK, b = 0;
    for (; b + 2 <= nb; b += 2) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)w[b].qs),
                w1 = _mm256_loadu_si256((const __m256i *)w[b + 1].qs);
        __m256i x0 = _mm256_loadu_si256((const __m256i *)xq[b].qs),
                x1 = _mm256_loadu_si256((const __m256i *)xq[b + 1].qs);
        __m256i p0 = dotU8S8Avx2(_mm256_abs_epi8(w0), _mm256_sign_epi8(x0, w0));
        __m256i p1 = dotU8S8Avx2(_mm256_abs_epi8(w1), _mm256_sign_epi8(x1, w1));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16Scalar(w[b].d) * xq[b].d), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(f16Scalar(w[b + 1].d) * xq[b + 1].d), _mm256_cvtepi32_ps(p1), acc1);
    }
    for (; b < nb; b++) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)w[b].qs), x0 = _mm256_loadu_si256((const __m256i *)xq[b].qs);
        __m256i p0 = dotU8S8Avx2(_mm256_abs_epi8(w0), _mm256_sign_epi8(x0, w0));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16Scalar(w[b].d) * xq[b].d), _mm256_cvtepi32_ps(p0), acc0);
    }
    return hsum256(_mm256_add_ps(acc0, acc1));
}

/* Q4_0 and Q4_1 share the nibble product Σ nib * xq (nib unsigned 0..15, no
 * int16 saturation); Q4_0 subtracts 8 Σ xq, Q4_1 adds m Σ xq. */
TARGET_AVX2 static float dotQ4_0Avx2(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const HgnBlockQ4_0 *w = row;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    float corr = 0.0f;
    int64_t nb = n / HGN_QK, b = 0;
    for (; b + 2 <= nb; b += 2) {
        float d0 = f16Scalar(w[b].d) * xq[b].d, d1 = f16Scalar(w[b + 1].d) * xq[b + 1].d;
        __m256i p0 = dotU8S8Avx2(nibbles(w[b].qs), _mm256_loadu_si256((const __m256i *)xq[b].qs));
        __m256i p1 = dotU8S8Avx2(nibbles(w[b + 1].qs), _mm256_loadu_si256((const __m256i *)xq[b + 1].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(d1), _mm256_cvtepi32_ps(p1), acc1);
        corr += f16Scalar(w[b].d) * xq[b].s + f16Scalar(w[b + 1].d) * xq[b + 1].s;
    }
    for (; b < nb; b++) {
        float d0 = f16Scalar(w[b].d) * xq[b].d;
        __m256i p0 = dotU8S8Avx2(nibbles(w[b].qs), _mm256_loadu_si256((const __m256i *)xq[b].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), _mm256_cvtepi32_ps(p0), acc0);
        corr += f16Scalar(w[b].d) * xq[b].s;
    }
    return hsum256(_mm256_add_ps(acc0, acc1)) - 8.0f * corr;
}

TARGET_AVX2 static float dotQ4_1Avx2(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const HgnBlockQ4_1 *w = row;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    float corr = 0.0f;
    int64_t nb = n / HGN_QK;
    for (int64_t b = 0; b < nb; b++) {
        float d0 = f16Scalar(w[b].d) * xq[b].d;
        __m256i p0 = dotU8S8Avx2(nibbles(w[b].qs), _mm256_loadu_si256((const __m256i *)xq[b].qs));
        if (b & 1)
            acc1 = _mm256_fmadd_ps(_mm256_set1_ps(d0), _mm256_cvtepi32_ps(p0), acc1);
        else
            acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), _mm256_cvtepi32_ps(p0), acc0);
        corr += f16Scalar(w[b].m) * xq[b].s;
    }
    return hsum256(_mm256_add_ps(acc0, acc1)) + corr;
}

/* ---- AVX-512 VNNI (256-bit vpdpbusd) ------------------------------------------------------- */

TARGET_VNNI static float dotQ8_0Vnni(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const HgnBlockQ8_0 *w = row;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    const __m256i zero = _mm256_setzero_si256();
    int64_t nb = n / HGN_QK, b = 0;
    for (; b + 2 <= nb; b += 2) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)w[b].qs),
                w1 = _mm256_loadu_si256((const __m256i *)w[b + 1].qs);
        __m256i x0 = _mm256_loadu_si256((const __m256i *)xq[b].qs),
                x1 = _mm256_loadu_si256((const __m256i *)xq[b + 1].qs);
        __m256i p0 = _mm256_dpbusd_epi32(zero, _mm256_abs_epi8(w0), _mm256_sign_epi8(x0, w0));
        __m256i p1 = _mm256_dpbusd_epi32(zero, _mm256_abs_epi8(w1), _mm256_sign_epi8(x1, w1));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16Scalar(w[b].d) * xq[b].d), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(f16Scalar(w[b + 1].d) * xq[b + 1].d), _mm256_cvtepi32_ps(p1), acc1);
    }
    for (; b < nb; b++) {
        __m256i w0 = _mm256_loadu_si256((const __m256i *)w[b].qs), x0 = _mm256_loadu_si256((const __m256i *)xq[b].qs);
        __m256i p0 = _mm256_dpbusd_epi32(zero, _mm256_abs_epi8(w0), _mm256_sign_epi8(x0, w0));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(f16Scalar(w[b].d) * xq[b].d), _mm256_cvtepi32_ps(p0), acc0);
    }
    return hsum256(_mm256_add_ps(acc0, acc1));
}

TARGET_VNNI static float dotQ4_0Vnni(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    const HgnBlockQ4_0 *w = row;
    __m256 acc0 = _mm256_setzero_ps(), acc1 = acc0;
    const __m256i zero = _mm256_setzero_si256();
    float corr = 0.0f;
    int64_t nb = n / HGN_QK, b = 0;
    for (; b + 2 <= nb; b += 2) {
        float d0 = f16Scalar(w[b].d) * xq[b].d, d1 = f16Scalar(w[b + 1].d) * xq[b + 1].d;
        __m256i p0 = _mm256_dpbusd_epi32(zero, nibbles(w[b].qs), _mm256_loadu_si256((const __m256i *)xq[b].qs));
        __m256i p1 = _mm256_dpbusd_epi32(zero, nibbles(w[b + 1].qs), _mm256_loadu_si256((const __m256i *)xq[b + 1].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), _mm256_cvtepi32_ps(p0), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_set1_ps(d1), _mm256_cvtepi32_ps(p1), acc1);
        corr += f16Scalar(w[b].d) * xq[b].s + f16Scalar(w[b + 1].d) * xq[b + 1].s;
    }
    for (; b < nb; b++) {
        float d0 = f16Scalar(w[b].d) * xq[b].d;
        __m256i p0 = _mm256_dpbusd_epi32(zero, nibbles(w[b].qs), _mm256_loadu_si256((const __m256i *)xq[b].qs));
        acc0 = _mm256_fmadd_ps(_mm256_set1_ps(d0), _mm256_cvtepi32_ps(p0), acc0);
        corr += f16Scalar(w[b].d) * xq[b].s;
    }
    return hsum256(_mm256_add_ps(acc0, acc1)) - 8.0f * corr;
}

/* Q4_0/Q4_1 with 512-bit vpdpbusd, two blocks per instruction: the nibbles of
 * blocks b and b+1 become the 128-bit lanes (lo b, hi b, lo b+1, hi b+1),
 * facing the 64 activation bytes of the two blocks. The scales of both blocks
 * come from one f16 conversion: for Q4_1 the words (d0, m0, d1, m1), for
 * Q4_0 (d0, -, d1, -) with d duplicated; times (da0, s0, da1, s1) this gives
 * the two block scales and the two offset terms (Q4_0: -8 d s; Q4_1: m s). */
TARGET_VNNI static inline float dotQ4Zmm(const uint8_t *w, size_t blockBytes, bool q41, const HgnBlockQ8Act *xq,
                                         int64_t nb) {
    const int qsOff = q41 ? 4 : 2;
    const __m512i pairIdx = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    const __m512i scaleIdx = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    __m512 acc0 = _mm512_setzero_ps(), acc1 = acc0;
    __m128 corr = _mm_setzero_ps();
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        const uint8_t *p0 = w + (size_t)b * blockBytes, *p1 = p0 + blockBytes;
        __m256i q = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p0 + qsOff))),
                                            _mm_loadu_si128((const __m128i *)(p1 + qsOff)), 1);
        __m256i lo = _mm256_and_si256(q, low4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        __m512i nib = _mm512_permutex2var_epi64(_mm512_castsi256_si512(lo), pairIdx, _mm512_castsi256_si512(hi));
        __m512i y = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)xq[b].qs)),
                                       _mm256_loadu_si256((const __m256i *)xq[b + 1].qs), 1);
        __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), nib, y);
        int32_t w0, w1;
        memcpy(&w0, p0, 4);
        memcpy(&w1, p1, 4);
        __m128 wf = _mm_cvtph_ps(_mm_insert_epi32(_mm_cvtsi32_si128(w0), w1, 1));
        if (!q41) wf = _mm_moveldup_ps(wf);
        __m128 a = _mm_castpd_ps(
            _mm_loadh_pd(_mm_castsi128_pd(_mm_loadl_epi64((const __m128i *)&xq[b])), (const double *)&xq[b + 1]));
        __m128 prod = _mm_mul_ps(wf, a);
        corr = _mm_add_ps(corr, prod);
        __m512 scale = _mm512_permutexvar_ps(scaleIdx, _mm512_castps128_ps512(prod));
        if (b & 2)
            acc1 = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(dot), acc1);
        else
            acc0 = _mm512_fmadd_ps(scale, _mm512_cvtepi32_ps(dot), acc0);
    }
    float c = _mm_cvtss_f32(_mm_shuffle_ps(corr, corr, 1)) + _mm_cvtss_f32(_mm_shuffle_ps(corr, corr, 3));
    float r = _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1)) + (q41 ? c : -8.0f * c);
    if (b < nb)
        r += q41 ? dotQ4_1Avx2(w + (size_t)b * blockBytes, NULL, xq + b, HGN_QK)
                 : dotQ4_0Vnni(w + (size_t)b * blockBytes, NULL, xq + b, HGN_QK);
    return r;
}

TARGET_VNNI static float dotQ4_0Zmm(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    return dotQ4Zmm(row, sizeof(HgnBlockQ4_0), false, xq, n / HGN_QK);
}

TARGET_VNNI static float dotQ4_1Zmm(const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    return dotQ4Zmm(row, sizeof(HgnBlockQ4_1), true, xq, n / HGN_QK);
}
#endif

static DotFn dotFor(HgnDtype t, HgnCpuLevel level) {
#ifdef HGN_X86
    bool vnni = level >= HGN_CPU_AVX512 && hgnCpuFeatures()->avx512vnni;
    if (level >= HGN_CPU_AVX2) {
        switch (t) {
        case HGN_DTYPE_F32:
            return dotF32Avx2;
        case HGN_DTYPE_F16:
            return dotF16Avx2;
        case HGN_DTYPE_BF16:
            return dotBf16Avx2;
        case HGN_DTYPE_Q8_0:
            return vnni ? dotQ8_0Vnni : dotQ8_0Avx2;
        case HGN_DTYPE_Q4_0:
            return vnni ? dotQ4_0Zmm : dotQ4_0Avx2;
        case HGN_DTYPE_Q4_1:
            return vnni ? dotQ4_1Zmm : dotQ4_1Avx2;
        default:
            return NULL;
        }
    }
#else
    (void)level;
#endif
    switch (t) {
    case HGN_DTYPE_F32:
        return dotF32Scalar;
    case HGN_DTYPE_F16:
        return dotF16Scalar;
    case HGN_DTYPE_BF16:
        return dotBf16Scalar;
    case HGN_DTYPE_Q8_0:
        return dotQ8_0Scalar;
    case HGN_DTYPE_Q4_0:
        return dotQ4_0Scalar;
    case HGN_DTYPE_Q4_1:
        return dotQ4_1Scalar;
    default:
        return NULL;
    }
}

static bool usesQ8Act(HgnDtype t) { return t == HGN_DTYPE_Q8_0 || t == HGN_DTYPE_Q4_0 || t == HGN_DTYPE_Q4_1; }

bool hgnMatmulSupports(HgnDtype t) { return dotFor(t, HGN_CPU_SCALAR) != NULL; }

float hgnDotRow(HgnDtype t, const void *row, const float *x, const HgnBlockQ8Act *xq, int64_t n) {
    DotFn f = dotFor(t, hgnCpuLevel());
    return f ? f(row, x, xq, n) : 0.0f;
}

/* ---- driver ---------------------------------------------------------------------------------- */

#define ROW_TILE 16
#define VEC_TILE 32

typedef struct MatmulJob {
    DotFn dot;
    Dot2Fn dot2; /* NULL where there is none */
    const uint8_t *w;
    size_t rowBytes;
    int64_t rows, cols, nVecs;
    const float *x;
    HgnBlockQ8Act *xq;
} MatmulJob;

typedef struct MatmulOut {
    MatmulJob job;
    float *y;
} MatmulOut;

static void quantizeVecs(void *ctx, int64_t begin, int64_t end, int thread) {
    const MatmulJob *j = ctx;
    int64_t nb = j->cols / HGN_QK;
    for (int64_t v = begin; v < end; v++) hgnQuantizeActQ8(j->x + v * j->cols, j->xq + v * nb, j->cols);
}

static void matmulRows(void *ctx, int64_t begin, int64_t end, int thread) {
    const MatmulOut *o = ctx;
    const MatmulJob *j = &o->job;
    int64_t nb = j->cols / HGN_QK;
    for (int64_t rb = begin; rb < end; rb += ROW_TILE) {
        int64_t re = rb + ROW_TILE < end ? rb + ROW_TILE : end;
        for (int64_t vb = 0; vb < j->nVecs; vb += VEC_TILE) {
            int64_t ve = vb + VEC_TILE < j->nVecs ? vb + VEC_TILE : j->nVecs;
            int64_t r = rb;
            if (j->dot2) {
                for (; r + 2 <= re; r += 2) {
                    const uint8_t *row = j->w + (size_t)r * j->rowBytes;
                    for (int64_t v = vb; v < ve; v++) {
                        float two[2];
                        j->dot2(row, row + j->rowBytes, j->x + v * j->cols, j->cols, two);
                        o->y[v * j->rows + r] = two[0];
                        o->y[v * j->rows + r + 1] = two[1];
                    }
                }
            }
            for (; r < re; r++) {
                const uint8_t *row = j->w + (size_t)r * j->rowBytes;
                for (int64_t v = vb; v < ve; v++)
                    o->y[v * j->rows + r] = j->dot(row, j->x + v * j->cols, j->xq ? j->xq + v * nb : NULL, j->cols);
            }
        }
    }
}

static bool convertible(HgnDtype t) { return t == HGN_DTYPE_F16 || t == HGN_DTYPE_BF16 || usesQ8Act(t); }

#define BLAS_CHUNK 256

size_t hgnMatmulWorkSize(HgnDtype t, int64_t cols, int64_t nVecs, int nThreads) {
    if (cols <= 0 || nVecs <= 0) return 0;
    if (nThreads < 1) nThreads = 1;
    size_t q8 = usesQ8Act(t) ? (size_t)(cols / HGN_QK) * (size_t)nVecs * sizeof(HgnBlockQ8Act) : 0;
    size_t conv = convertible(t) && nVecs >= HGN_MATMUL_CONVERT_MIN_VECS
                      ? (size_t)nThreads * BLAS_CHUNK * (size_t)cols * sizeof(float)
                      : 0;
    return q8 > conv ? q8 : conv;
}

/* OpenBLAS runs single-threaded inside each pool thread, one call per chunk
 * of BLAS_CHUNK weight rows. Its own threading (and its choice of kernel,
 * which depends on the operand sizes) changes the summation order with the
 * thread count; fixed chunks make every call the same whatever the thread
 * count, so results are bit-identical. */
typedef struct BlasJob {
    HgnDtype t;
    const void *w;
    size_t rowBytes;
    const float *x;
    float *y, *scratch; /* scratch: BLAS_CHUNK rows of f32 per thread (converted types) */
    int rows, cols, nVecs;
} BlasJob;

static void blasRows(void *ctx, int64_t begin, int64_t end, int thread) {
    const BlasJob *j = ctx;
    for (int64_t b = begin; b < end; b += BLAS_CHUNK) {
        int n = (int)(end - b < BLAS_CHUNK ? end - b : BLAS_CHUNK);
        const float *wf;
        if (j->t == HGN_DTYPE_F32) {
            wf = (const float *)j->w + b * j->cols;
        } else {
            float *s = j->scratch + (size_t)thread * BLAS_CHUNK * (size_t)j->cols;
            for (int r = 0; r < n; r++) {
                HgnStatus st = hgnDequantizeRow(j->t, (const uint8_t *)j->w + (size_t)(b + r) * j->rowBytes,
                                                s + (size_t)r * j->cols, j->cols);
                hgnStatusFree(st); /* cannot fail: type and shape were checked */
            }
            wf = s;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, j->nVecs, n, j->cols, 1.0f, j->x, j->cols, wf, j->cols,
                    0.0f, j->y + b, j->rows);
    }
}

/* Someone else in the process may have changed OpenBLAS's global setting. */
static void blasSingleThreaded(void) {
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
}

HgnStatus hgnMatmul(HgnThreadPool *pool, HgnDtype t, const void *w, int64_t rows, int64_t cols, const float *x,
                    int64_t nVecs, float *y, void *work, size_t workSize, int flags) {
    HgnCpuLevel level = hgnCpuLevel();
    DotFn dot = dotFor(t, level);
    if (!dot)
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, "matmul", "use f32, f16, bf16, q8_0, q4_0 or q4_1 weights",
                            "the CPU kernels cannot multiply %s weights", hgnDtypeName(t));
    if (rows <= 0 || cols <= 0 || nVecs <= 0 || rows > INT32_MAX || cols > INT32_MAX || nVecs > INT32_MAX)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "matmul", NULL, "bad shape %lld×%lld with %lld vectors",
                            (long long)rows, (long long)cols, (long long)nVecs);
    if (usesQ8Act(t) && cols % HGN_QK != 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "matmul", "quantised rows hold whole 32-element blocks",
                            "%s weights need a column count that is a multiple of 32, not %lld", hgnDtypeName(t),
                            (long long)cols);
    int nThreads = hgnThreadPoolSize(pool);
    bool blas = !(flags & HGN_MATMUL_NO_BLAS) && ((t == HGN_DTYPE_F32 && nVecs >= HGN_MATMUL_BLAS_MIN_VECS) ||
                                                  (convertible(t) && nVecs >= HGN_MATMUL_CONVERT_MIN_VECS));
    size_t need = hgnMatmulWorkSize(t, cols, nVecs, nThreads);
    if (workSize < need || (need && !work))
        return hgnStatusNew(HGN_CODE_InvalidArgument, "matmul", "size it with hgnMatmulWorkSize",
                            "scratch of %zu bytes is short of the %zu needed", workSize, need);
    const HgnDtypeInfo *info = hgnDtypeInfo(t);
    size_t rowBytes = (size_t)(cols / info->blockSize) * info->bytesPerBlock;
    if (blas) {
        blasSingleThreaded();
        BlasJob j = {.t = t,
                     .w = w,
                     .rowBytes = rowBytes,
                     .x = x,
                     .y = y,
                     .scratch = work,
                     .rows = (int)rows,
                     .cols = (int)cols,
                     .nVecs = (int)nVecs};
        hgnThreadPoolFor(pool, rows, BLAS_CHUNK, blasRows, &j);
        return HGN_OK;
    }
    Dot2Fn dot2 = NULL;
#ifdef HGN_X86
    if (level >= HGN_CPU_AVX2)
        dot2 = t == HGN_DTYPE_F32    ? dot2F32Avx2
               : t == HGN_DTYPE_F16  ? dot2F16Avx2
               : t == HGN_DTYPE_BF16 ? dot2Bf16Avx2
                                     : NULL;
#endif
    MatmulOut o = {.job = {.dot = dot,
                           .dot2 = dot2,
                           .w = w,
                           .rowBytes = rowBytes,
                           .rows = rows,
                           .cols = cols,
                           .nVecs = nVecs,
                           .x = x,
                           .xq = usesQ8Act(t) ? work : NULL},
                   .y = y};
    /* a few vectors are quantised on the caller: a parallel-for costs a
     * synchronisation, which is dear when other processes share the cores */
    if (usesQ8Act(t)) hgnThreadPoolFor(nVecs < 4 ? NULL : pool, nVecs, 1, quantizeVecs, &o.job);
    hgnThreadPoolFor(pool, rows, ROW_TILE, matmulRows, &o);
    return HGN_OK;
}
