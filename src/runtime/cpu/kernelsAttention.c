/* kernelsAttention.c — causal grouped-query attention of queries over an f32
 * or f16 KV cache (decode: one query; prefill: a run of queries). Each
 * (token, head) pair is one work item (keys limited to a sliding window when
 * one is set): scores q·k * scale, a stable softmax,
 * then out = Σ p v, all in a fixed order on one thread. The q·k dot and the
 * p·v accumulation have scalar and AVX2 versions. */
#include <string.h>

#include "runtime/cpu/kernels.h"

#ifdef HGN_KERNELS_X86
#include <immintrin.h>
#define HGN_X86     1
#define TARGET_AVX2 __attribute__((target("avx2,fma,f16c")))
#endif

static float dotScalar(const float *q, const void *k, bool f16, int n) {
    float s = 0.0f;
    if (f16) {
        const uint16_t *kh = k;
        for (int i = 0; i < n; i++) s += q[i] * hgnF16ToF32(kh[i]);
    } else {
        const float *kf = k;
        for (int i = 0; i < n; i++) s += q[i] * kf[i];
    }
    return s;
}

static void axpyScalar(float a, const void *v, bool f16, float *out, int n) {
    if (f16) {
        const uint16_t *vh = v;
        for (int i = 0; i < n; i++) out[i] += a * hgnF16ToF32(vh[i]);
    } else {
        const float *vf = v;
        for (int i = 0; i < n; i++) out[i] += a * vf[i];
    }
}

#ifdef HGN_X86
TARGET_AVX2 static inline __m256 load8(const void *p, bool f16, int i) {
    return f16 ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)((const uint16_t *)p + i)))
               : _mm256_loadu_ps((const float *)p + i);
}

TARGET_AVX2 static float dotAvx2(const float *q, const void *k, bool f16, int n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load8(k, f16, i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), load8(k, f16, i + 8), a1);
    }
    for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load8(k, f16, i), a0);
    __m256 a = _mm256_add_ps(a0, a1);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    float r = _mm_cvtss_f32(s);
    for (; i < n; i++) r += q[i] * (f16 ? _cvtsh_ss(((const uint16_t *)k)[i]) : ((const float *)k)[i]);
    return r;
}

TARGET_AVX2 static void axpyAvx2(float a, const void *v, bool f16, float *out, int n) {
    __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_fmadd_ps(va, load8(v, f16, i), _mm256_loadu_ps(out + i)));
    for (; i < n; i++) out[i] += a * (f16 ? _cvtsh_ss(((const uint16_t *)v)[i]) : ((const float *)v)[i]);
}
#endif

typedef struct AttnJob {
    const HgnAttention *a;
    const float *q;
    float *out;
    int64_t pos0, maxPos;
    float *scratch; /* maxPos floats per thread */
    bool avx2, f16;
} AttnJob;

static void attnItems(void *ctx, int64_t begin, int64_t end, int thread) {
    const AttnJob *j = ctx;
    const HgnAttention *a = j->a;
    int d = a->headDim, group = a->nHeads / a->nKvHeads;
    size_t esize = j->f16 ? 2 : 4;
    float *scores = j->scratch + (size_t)thread * (size_t)j->maxPos;
    for (int64_t item = begin; item < end; item++) {
        int64_t t = item / a->nHeads;
        int h = (int)(item % a->nHeads), kvh = h / group;
        int64_t nPos = j->pos0 + t + 1, first = 0;
        if (a->window > 0 && nPos > a->window) first = nPos - a->window; /* keys (pos - window, pos] */
        const float *q = j->q + item * d;
        float *out = j->out + item * d;
        size_t step = (size_t)a->posStride * esize;
        const uint8_t *kBase =
            (const uint8_t *)a->k + (size_t)kvh * (size_t)a->headStride * esize + (size_t)first * step;
        const uint8_t *vBase =
            (const uint8_t *)a->v + (size_t)kvh * (size_t)a->headStride * esize + (size_t)first * step;
        nPos -= first;
        for (int64_t p = 0; p < nPos; p++) {
#ifdef HGN_X86
            if (j->avx2) {
                scores[p] = dotAvx2(q, kBase + (size_t)p * step, j->f16, d) * a->scale;
                continue;
            }
#endif
            scores[p] = dotScalar(q, kBase + (size_t)p * step, j->f16, d) * a->scale;
        }
        hgnSoftmax(scores, nPos);
        memset(out, 0, (size_t)d * sizeof *out);
        for (int64_t p = 0; p < nPos; p++) {
#ifdef HGN_X86
            if (j->avx2) {
                axpyAvx2(scores[p], vBase + (size_t)p * step, j->f16, out, d);
                continue;
            }
#endif
            axpyScalar(scores[p], vBase + (size_t)p * step, j->f16, out, d);
        }
    }
}

size_t hgnAttentionWorkSize(int nThreads, int64_t maxPos) {
    if (nThreads < 1) nThreads = 1;
    if (maxPos < 1) maxPos = 1;
    return (size_t)nThreads * (size_t)maxPos * sizeof(float);
}

HgnStatus hgnAttention(HgnThreadPool *pool, const HgnAttention *a, const float *q, int64_t nTokens, int64_t pos0,
                       float *out, void *work, size_t workSize) {
    if (a->nHeads <= 0 || a->nKvHeads <= 0 || a->headDim <= 0 || a->nHeads % a->nKvHeads != 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "attention", "query heads must be a multiple of KV heads",
                            "bad head counts %d/%d (head size %d)", a->nHeads, a->nKvHeads, a->headDim);
    if (a->cacheType != HGN_DTYPE_F32 && a->cacheType != HGN_DTYPE_F16)
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, "attention", "use an f32 or f16 KV cache",
                            "the KV cache cannot be %s", hgnDtypeName(a->cacheType));
    if (nTokens <= 0 || pos0 < 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "attention", NULL, "bad token range %lld at %lld",
                            (long long)nTokens, (long long)pos0);
    int64_t maxPos = pos0 + nTokens;
    size_t need = hgnAttentionWorkSize(hgnThreadPoolSize(pool), maxPos);
    if (!work || workSize < need)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "attention", "size it with hgnAttentionWorkSize",
                            "scratch of %zu bytes is short of the %zu needed", workSize, need);
    AttnJob j = {.a = a,
                 .q = q,
                 .out = out,
                 .pos0 = pos0,
                 .maxPos = maxPos,
                 .scratch = work,
                 .avx2 = hgnCpuLevel() >= HGN_CPU_AVX2,
                 .f16 = a->cacheType == HGN_DTYPE_F16};
    hgnThreadPoolFor(pool, nTokens * a->nHeads, 1, attnItems, &j);
    return HGN_OK;
}
