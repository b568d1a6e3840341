/* kernelsRope.c — rotary position embedding in both pair conventions
 * (interleaved "normal" and NeoX rotate_half), frequency tables (plain,
 * GGUF freq factors, linear and Llama 3 scaling). Angles are computed once
 * per token (f32 product as Hugging Face does, cos/sin correctly rounded);
 * the rotation has a scalar reference and an AVX2 version that performs the
 * same f32 operations, so both agree bit for bit. */
#include <math.h>

#include "runtime/cpu/kernels.h"

/* Bit-identical levels need the same roundings: no fused multiply-adds (gcc
 * does not contract in ISO C mode; clang needs to be told). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#ifdef HGN_KERNELS_X86
#include <immintrin.h>
#define HGN_X86     1
#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#endif

void hgnRopeInvFreq(float theta, int ropeDims, const float *freqFactors, float linearScale, float *invFreq) {
    for (int i = 0; i < ropeDims / 2; i++) {
        float e = (float)(2 * i) / (float)ropeDims;
        float f = 1.0f / powf(theta, e);
        if (freqFactors) f /= freqFactors[i];
        if (linearScale != 1.0f && linearScale > 0.0f) f /= linearScale;
        invFreq[i] = f;
    }
}

void hgnRopeLlama3Scale(float *invFreq, int ropeDims, float factor, float lowFreqFactor, float highFreqFactor,
                        int originalContext) {
    const double pi = 3.14159265358979323846;
    float lowWavelen = (float)originalContext / lowFreqFactor, highWavelen = (float)originalContext / highFreqFactor;
    for (int i = 0; i < ropeDims / 2; i++) {
        float f = invFreq[i], wavelen = (float)(2.0 * pi) / f;
        float scaled = wavelen > lowWavelen ? f / factor : f;
        if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
            float smooth = ((float)originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            scaled = (1.0f - smooth) * scaled / factor + smooth * scaled;
        }
        invFreq[i] = scaled;
    }
}

static void ropeHeadScalar(float *x, int ropeDims, const float *c, const float *s, HgnRopeStyle style) {
    int half = ropeDims / 2;
    for (int i = 0; i < half; i++) {
        int a = style == HGN_ROPE_NEOX ? i : 2 * i, b = style == HGN_ROPE_NEOX ? i + half : 2 * i + 1;
        float x0 = x[a], x1 = x[b];
        x[a] = x0 * c[i] - x1 * s[i];
        x[b] = x0 * s[i] + x1 * c[i];
    }
}

#ifdef HGN_X86
/* NeoX: halves [0, h) and [h, 2h) rotate against each other. */
TARGET_AVX2 static void ropeHeadNeoxAvx2(float *x, int ropeDims, const float *c, const float *s) {
    int half = ropeDims / 2, i = 0;
    for (; i + 8 <= half; i += 8) {
        __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + half);
        __m256 vc = _mm256_loadu_ps(c + i), vs = _mm256_loadu_ps(s + i);
        _mm256_storeu_ps(x + i, _mm256_sub_ps(_mm256_mul_ps(x0, vc), _mm256_mul_ps(x1, vs)));
        _mm256_storeu_ps(x + i + half, _mm256_add_ps(_mm256_mul_ps(x0, vs), _mm256_mul_ps(x1, vc)));
    }
    for (; i < half; i++) {
        float x0 = x[i], x1 = x[i + half];
        x[i] = x0 * c[i] - x1 * s[i];
        x[i + half] = x0 * s[i] + x1 * c[i];
    }
}

/* Interleaved: cc = (c0, c0, c1, c1, ...), ss = (-s0, s0, -s1, s1, ...);
 * out = x * cc + swapPairs(x) * ss. */
TARGET_AVX2 static void ropeHeadNormalAvx2(float *x, int ropeDims, const float *cc, const float *ss, const float *c,
                                           const float *s) {
    int i = 0;
    for (; i + 8 <= ropeDims; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i), sw = _mm256_permute_ps(v, 0xb1);
        _mm256_storeu_ps(x + i, _mm256_add_ps(_mm256_mul_ps(v, _mm256_loadu_ps(cc + i)),
                                              _mm256_mul_ps(sw, _mm256_loadu_ps(ss + i))));
    }
    for (; i < ropeDims; i += 2) {
        float x0 = x[i], x1 = x[i + 1];
        x[i] = x0 * c[i / 2] - x1 * s[i / 2];
        x[i + 1] = x0 * s[i / 2] + x1 * c[i / 2];
    }
}
#endif

void hgnRope(float *x, int64_t nTokens, int nHeads, int headDim, int ropeDims, int64_t pos0, const float *invFreq,
             HgnRopeStyle style) {
    if (ropeDims > headDim) ropeDims = headDim;
    if (ropeDims > HGN_ROPE_MAX_DIMS) ropeDims = HGN_ROPE_MAX_DIMS;
    ropeDims &= ~1;
    int half = ropeDims / 2;
    float c[HGN_ROPE_MAX_DIMS / 2], s[HGN_ROPE_MAX_DIMS / 2];
#ifdef HGN_X86
    float cc[HGN_ROPE_MAX_DIMS], ss[HGN_ROPE_MAX_DIMS];
    bool avx2 = hgnCpuLevel() >= HGN_CPU_AVX2;
#endif
    for (int64_t t = 0; t < nTokens; t++) {
        float pos = (float)(pos0 + t);
        for (int i = 0; i < half; i++) {
            float angle = pos * invFreq[i];
            c[i] = (float)cos((double)angle);
            s[i] = (float)sin((double)angle);
        }
        float *xt = x + t * (int64_t)nHeads * headDim;
#ifdef HGN_X86
        if (avx2) {
            if (style == HGN_ROPE_NORMAL) {
                for (int i = 0; i < half; i++) {
                    cc[2 * i] = cc[2 * i + 1] = c[i];
                    ss[2 * i] = -s[i];
                    ss[2 * i + 1] = s[i];
                }
                for (int h = 0; h < nHeads; h++) ropeHeadNormalAvx2(xt + (int64_t)h * headDim, ropeDims, cc, ss, c, s);
            } else {
                for (int h = 0; h < nHeads; h++) ropeHeadNeoxAvx2(xt + (int64_t)h * headDim, ropeDims, c, s);
            }
            continue;
        }
#endif
        for (int h = 0; h < nHeads; h++) ropeHeadScalar(xt + (int64_t)h * headDim, ropeDims, c, s, style);
    }
}
