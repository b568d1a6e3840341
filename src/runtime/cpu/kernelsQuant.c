/* kernelsQuant.c — element conversions (f16, bf16 ↔ f32, round to nearest
 * even), ggml's reference block quantisers (Q8_0, Q4_0, Q4_1), the on-the-fly
 * activation quantiser for the integer dot products (scalar and AVX2), and
 * row dequantisation. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "runtime/cpu/kernels.h"

/* The SIMD dequantisation must round like the scalar one: no contraction. */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#ifdef HGN_KERNELS_X86
#include <immintrin.h>
#define HGN_X86     1
#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#endif

_Static_assert(sizeof(HgnBlockQ8_0) == 34, "Q8_0 block is 34 bytes");
_Static_assert(sizeof(HgnBlockQ4_0) == 18, "Q4_0 block is 18 bytes");
_Static_assert(sizeof(HgnBlockQ4_1) == 20, "Q4_1 block is 20 bytes");
_Static_assert(sizeof(HgnBlockQ8Act) == 40, "activation block is 40 bytes");

static inline uint32_t floatBits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static inline float bitsFloat(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

float hgnF16ToF32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 0) {
        if (m == 0) return bitsFloat(sign);
        int32_t exp = 1;
        while (!(m & 0x400)) {
            m <<= 1;
            exp--;
        }
        m &= 0x3ff;
        return bitsFloat(sign | ((uint32_t)(exp + 112) << 23) | (m << 13));
    }
    if (e == 31) return bitsFloat(sign | 0x7f800000u | (m << 13));
    return bitsFloat(sign | ((e + 112) << 23) | (m << 13));
}

uint16_t hgnF32ToF16(float f) {
    uint32_t x = floatBits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    x &= 0x7fffffffu;
    if (x > 0x7f800000u) return (uint16_t)(sign | 0x7e00 | ((x >> 13) & 0x3ff)); /* NaN, quiet */
    if (x >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);                      /* >= 65520 rounds to inf */
    uint32_t e = x >> 23, mant = x & 0x7fffff;
    if (e < 113) { /* below 2^-14: subnormal half (or zero) */
        uint32_t shift = 126 - e;
        if (e == 0 || shift > 24) return sign;
        uint32_t m = mant | 0x800000, h = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1))) h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((e - 112) << 10) | (mant >> 13), rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

float hgnBf16ToF32(uint16_t h) { return bitsFloat((uint32_t)h << 16); }

uint16_t hgnF32ToBf16(float f) {
    uint32_t x = floatBits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 0x40);
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}

/* ---- ggml reference quantisers ------------------------------------------------ */

void hgnQuantizeRowQ8_0(const float *x, HgnBlockQ8_0 *dst, int64_t n) {
    for (int64_t b = 0; b < n / HGN_QK; b++) {
        const float *v = x + b * HGN_QK;
        float amax = 0.0f;
        for (int j = 0; j < HGN_QK; j++) amax = fmaxf(amax, fabsf(v[j]));
        float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        dst[b].d = hgnF32ToF16(d);
        for (int j = 0; j < HGN_QK; j++) dst[b].qs[j] = (int8_t)roundf(v[j] * id);
    }
}

void hgnQuantizeRowQ4_0(const float *x, HgnBlockQ4_0 *dst, int64_t n) {
    for (int64_t b = 0; b < n / HGN_QK; b++) {
        const float *v = x + b * HGN_QK;
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < HGN_QK; j++) {
            if (amax < fabsf(v[j])) {
                amax = fabsf(v[j]);
                max = v[j];
            }
        }
        float d = max / -8.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        dst[b].d = hgnF32ToF16(d);
        for (int j = 0; j < HGN_QK / 2; j++) {
            int8_t q0 = (int8_t)(v[j] * id + 8.5f), q1 = (int8_t)(v[j + 16] * id + 8.5f);
            if (q0 > 15) q0 = 15;
            if (q1 > 15) q1 = 15;
            dst[b].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

void hgnQuantizeRowQ4_1(const float *x, HgnBlockQ4_1 *dst, int64_t n) {
    for (int64_t b = 0; b < n / HGN_QK; b++) {
        const float *v = x + b * HGN_QK;
        float min = FLT_MAX, max = -FLT_MAX;
        for (int j = 0; j < HGN_QK; j++) {
            if (v[j] < min) min = v[j];
            if (v[j] > max) max = v[j];
        }
        float d = (max - min) / 15.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        dst[b].d = hgnF32ToF16(d);
        dst[b].m = hgnF32ToF16(min);
        for (int j = 0; j < HGN_QK / 2; j++) {
            int8_t q0 = (int8_t)((v[j] - min) * id + 0.5f), q1 = (int8_t)((v[j + 16] - min) * id + 0.5f);
            if (q0 > 15) q0 = 15;
            if (q1 > 15) q1 = 15;
            dst[b].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}

/* ---- activation quantisation ---------------------------------------------------- */

/* Round half to even (the SIMD rounding mode), so all versions agree bit for bit. */
static void quantizeActScalar(const float *x, HgnBlockQ8Act *dst, int64_t n) {
    for (int64_t b = 0; b < n / HGN_QK; b++) {
        const float *v = x + b * HGN_QK;
        float amax = 0.0f;
        for (int j = 0; j < HGN_QK; j++) amax = fmaxf(amax, fabsf(v[j]));
        float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        int32_t sum = 0;
        for (int j = 0; j < HGN_QK; j++) {
            int8_t q = (int8_t)nearbyintf(v[j] * id);
            dst[b].qs[j] = q;
            sum += q;
        }
        dst[b].d = d;
        dst[b].s = d * (float)sum;
    }
}

#ifdef HGN_X86
TARGET_AVX2 static void quantizeActAvx2(const float *x, HgnBlockQ8Act *dst, int64_t n) {
    const __m256 signMask = _mm256_set1_ps(-0.0f);
    const __m256i perm = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    for (int64_t b = 0; b < n / HGN_QK; b++) {
        const float *v = x + b * HGN_QK;
        __m256 v0 = _mm256_loadu_ps(v), v1 = _mm256_loadu_ps(v + 8), v2 = _mm256_loadu_ps(v + 16),
               v3 = _mm256_loadu_ps(v + 24);
        __m256 m = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(signMask, v0), _mm256_andnot_ps(signMask, v1)),
                                 _mm256_max_ps(_mm256_andnot_ps(signMask, v2), _mm256_andnot_ps(signMask, v3)));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        float amax = _mm_cvtss_f32(m4);
        float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
        __m256 s = _mm256_set1_ps(id);
        __m256i i0 =
            _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i i1 =
            _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i i2 =
            _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i i3 =
            _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, s), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        __m256i sum = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
        /* packs work within 128-bit lanes; the permute restores element order */
        __m256i p01 = _mm256_packs_epi32(i0, i1), p23 = _mm256_packs_epi32(i2, i3);
        __m256i p = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p01, p23), perm);
        _mm256_storeu_si256((__m256i *)dst[b].qs, p);
        dst[b].d = d;
        dst[b].s = d * (float)_mm_cvtsi128_si32(s4);
    }
}
#endif

void hgnQuantizeActQ8(const float *x, HgnBlockQ8Act *dst, int64_t n) {
#ifdef HGN_X86
    if (hgnCpuLevel() >= HGN_CPU_AVX2) {
        quantizeActAvx2(x, dst, n);
        return;
    }
#endif
    quantizeActScalar(x, dst, n);
}

/* ---- dequantisation ------------------------------------------------------------------ */

#ifdef HGN_X86
/* AVX2 row dequantisation with the same f32 operations as the scalar code
 * (q·d, and for Q4_1 (q·d) + m without fusing), so results are identical. */
TARGET_AVX2 static bool dequantizeAvx2(HgnDtype t, const void *src, float *dst, int64_t n) {
    switch (t) {
    case HGN_DTYPE_F16: {
        const uint16_t *s = src;
        int64_t i = 0;
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + i))));
        for (; i < n; i++) dst[i] = _cvtsh_ss(s[i]);
        return true;
    }
    case HGN_DTYPE_BF16: {
        const uint16_t *s = src;
        int64_t i = 0;
        for (; i + 8 <= n; i += 8)
            _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(
                                          _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(s + i))), 16)));
        for (; i < n; i++) dst[i] = hgnBf16ToF32(s[i]);
        return true;
    }
    case HGN_DTYPE_Q8_0: {
        const HgnBlockQ8_0 *b = src;
        for (int64_t i = 0; i < n / HGN_QK; i++) {
            __m256 d = _mm256_set1_ps(_cvtsh_ss(b[i].d));
            for (int j = 0; j < HGN_QK; j += 8) {
                __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(b[i].qs + j)));
                _mm256_storeu_ps(dst + i * HGN_QK + j, _mm256_mul_ps(_mm256_cvtepi32_ps(q), d));
            }
        }
        return true;
    }
    case HGN_DTYPE_Q4_0:
    case HGN_DTYPE_Q4_1: {
        bool q41 = t == HGN_DTYPE_Q4_1;
        size_t bs = q41 ? sizeof(HgnBlockQ4_1) : sizeof(HgnBlockQ4_0);
        const uint8_t *base = src;
        for (int64_t i = 0; i < n / HGN_QK; i++) {
            const uint8_t *blk = base + (size_t)i * bs;
            uint16_t dh, mh = 0;
            memcpy(&dh, blk, 2);
            if (q41) memcpy(&mh, blk + 2, 2);
            __m256 d = _mm256_set1_ps(_cvtsh_ss(dh)), m = _mm256_set1_ps(_cvtsh_ss(mh));
            __m128i q = _mm_loadu_si128((const __m128i *)(blk + (q41 ? 4 : 2)));
            __m128i lo = _mm_and_si128(q, _mm_set1_epi8(0x0f)),
                    hi = _mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(0x0f));
            if (!q41) {
                lo = _mm_sub_epi8(lo, _mm_set1_epi8(8));
                hi = _mm_sub_epi8(hi, _mm_set1_epi8(8));
            }
            __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
            for (int k = 0; k < 4; k++) {
                __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k])), d);
                if (q41) v = _mm256_add_ps(v, m);
                _mm256_storeu_ps(dst + i * HGN_QK + k * 8, v);
            }
        }
        return true;
    }
    default:
        return false;
    }
}
#endif

HgnStatus hgnDequantizeRow(HgnDtype t, const void *src, float *dst, int64_t n) {
    const HgnDtypeInfo *info = hgnDtypeInfo(t);
    if (n < 0 || n % info->blockSize != 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "dequantize", "rows of block types hold whole blocks",
                            "%lld elements is not a multiple of the %s block size %u", (long long)n, info->name,
                            info->blockSize);
#ifdef HGN_X86
    if (hgnCpuLevel() >= HGN_CPU_AVX2 && dequantizeAvx2(t, src, dst, n)) return HGN_OK;
#endif
    switch (t) {
    case HGN_DTYPE_F32:
        memcpy(dst, src, (size_t)n * 4);
        return HGN_OK;
    case HGN_DTYPE_F16: {
        const uint16_t *s = src;
        for (int64_t i = 0; i < n; i++) dst[i] = hgnF16ToF32(s[i]);
        return HGN_OK;
    }
    case HGN_DTYPE_BF16: {
        const uint16_t *s = src;
        for (int64_t i = 0; i < n; i++) dst[i] = hgnBf16ToF32(s[i]);
        return HGN_OK;
    }
    case HGN_DTYPE_Q8_0: {
        const HgnBlockQ8_0 *b = src;
        for (int64_t i = 0; i < n / HGN_QK; i++) {
            float d = hgnF16ToF32(b[i].d);
            for (int j = 0; j < HGN_QK; j++) dst[i * HGN_QK + j] = (float)b[i].qs[j] * d;
        }
        return HGN_OK;
    }
    case HGN_DTYPE_Q4_0: {
        const HgnBlockQ4_0 *b = src;
        for (int64_t i = 0; i < n / HGN_QK; i++) {
            float d = hgnF16ToF32(b[i].d);
            for (int j = 0; j < HGN_QK / 2; j++) {
                dst[i * HGN_QK + j] = (float)((b[i].qs[j] & 0x0f) - 8) * d;
                dst[i * HGN_QK + j + 16] = (float)((b[i].qs[j] >> 4) - 8) * d;
            }
        }
        return HGN_OK;
    }
    case HGN_DTYPE_Q4_1: {
        const HgnBlockQ4_1 *b = src;
        for (int64_t i = 0; i < n / HGN_QK; i++) {
            float d = hgnF16ToF32(b[i].d), m = hgnF16ToF32(b[i].m);
            for (int j = 0; j < HGN_QK / 2; j++) {
                dst[i * HGN_QK + j] = (float)(b[i].qs[j] & 0x0f) * d + m;
                dst[i * HGN_QK + j + 16] = (float)(b[i].qs[j] >> 4) * d + m;
            }
        }
        return HGN_OK;
    }
    default:
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, "dequantize", "use f32, f16, bf16, q8_0, q4_0 or q4_1",
                            "the CPU kernels cannot read %s", info->name);
    }
}
