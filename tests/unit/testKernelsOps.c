/* testKernelsOps.c — RMSNorm, RoPE (both conventions, frequency tables,
 * Llama 3 scaling), softmax, SiLU/SwiGLU and causal GQA attention: every CPU
 * level against double-precision references over random sizes with tails,
 * RoPE bit-identical across levels, attention prefill = successive decodes,
 * results independent of the thread count, no allocation, argument errors.
 *
 * Tolerances (relative to the scale of the quantity, justified inline):
 * RMSNorm 2e-6 (one f32 sum of squares, a sqrt and two products: a few ulp);
 * softmax/SiLU 4e-6 (polynomial exp ~2 ulp plus sum reordering); attention
 * 2e-5 of Σ p|v| (f32 dot of ≤ 256 terms, softmax, f32 weighted sum). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "runtime/cpu/kernels.h"

static uint64_t rngState = 0x853c49e6748fea9bull;
static uint32_t rnd(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return (uint32_t)(rngState >> 16);
}
static float rndUniform(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() & 0xffffff) / 16777216.0f; }

#define FOR_LEVELS(lvl) for (int lvl = 0; lvl <= (int)hgnCpuBestLevel(); lvl++)

static void testRmsNorm(void **state) {
    (void)state;
    for (int trial = 0; trial < 60; trial++) {
        int64_t rows = 1 + rnd() % 3, cols = 1 + rnd() % 700;
        float *x = malloc((size_t)(rows * cols) * 4), *w = malloc((size_t)cols * 4),
              *y = malloc((size_t)(rows * cols) * 4);
        for (int64_t i = 0; i < rows * cols; i++) x[i] = rndUniform(-3, 3);
        for (int64_t i = 0; i < cols; i++) w[i] = rndUniform(0.5f, 1.5f);
        const float *wt = trial % 2 ? w : NULL;
        FOR_LEVELS(lvl) {
            hgnCpuSetLevel((HgnCpuLevel)lvl);
            hgnRmsNorm(x, wt, 1e-5f, y, rows, cols);
            for (int64_t r = 0; r < rows; r++) {
                double ss = 0;
                for (int64_t c = 0; c < cols; c++) ss += (double)x[r * cols + c] * x[r * cols + c];
                double scale = 1.0 / sqrt(ss / (double)cols + 1e-5);
                for (int64_t c = 0; c < cols; c++) {
                    double ref = x[r * cols + c] * scale * (wt ? wt[c] : 1.0);
                    if (fabs(y[r * cols + c] - ref) > 2e-6 * fabs(ref) + 1e-7 * (wt ? 1.5 : 1.0) * scale)
                        fail_msg("rmsnorm %s cols %lld: %g vs %g", hgnCpuLevelName((HgnCpuLevel)lvl), (long long)cols,
                                 y[r * cols + c], ref);
                }
            }
        }
        /* in place */
        hgnRmsNorm(x, wt, 1e-5f, x, rows, cols);
        assert_memory_equal(x, y, (size_t)(rows * cols) * 4);
        free(x);
        free(w);
        free(y);
    }
    hgnCpuSetLevel(hgnCpuBestLevel());
}

static void testSoftmaxAndActivations(void **state) {
    (void)state;
    for (int trial = 0; trial < 80; trial++) {
        int64_t n = 1 + rnd() % 600;
        float *x = malloc((size_t)n * 4), *y = malloc((size_t)n * 4), *u = malloc((size_t)n * 4);
        float spread = trial % 4 == 0 ? 100.0f : 8.0f;
        for (int64_t i = 0; i < n; i++) {
            x[i] = rndUniform(-spread, spread);
            u[i] = rndUniform(-2, 2);
        }
        if (trial == 1) x[0] = 1e30f; /* extreme logits stay finite */
        FOR_LEVELS(lvl) {
            hgnCpuSetLevel((HgnCpuLevel)lvl);
            memcpy(y, x, (size_t)n * 4);
            hgnSoftmax(y, n);
            double max = -INFINITY, sum = 0;
            for (int64_t i = 0; i < n; i++) max = fmax(max, x[i]);
            for (int64_t i = 0; i < n; i++) sum += exp((double)x[i] - max);
            double total = 0;
            for (int64_t i = 0; i < n; i++) {
                double ref = exp((double)x[i] - max) / sum;
                total += y[i];
                /* probabilities below 1e-37 may flush to the clamped exp floor */
                if (!(fabs(y[i] - ref) <= 4e-6 * ref + 1e-37))
                    fail_msg("softmax %s n=%lld [%lld]: %g vs %g", hgnCpuLevelName((HgnCpuLevel)lvl), (long long)n,
                             (long long)i, y[i], ref);
            }
            assert_true(fabs(total - 1.0) < 1e-5);
            hgnSilu(x, y, n);
            for (int64_t i = 0; i < n; i++) {
                double ref = x[i] / (1.0 + exp(-(double)x[i]));
                if (!(fabs(y[i] - ref) <= 4e-6 * fabs(ref) + 1e-30)) {
                    /* below -87 the exp argument is clamped: the result is ~0 either way */
                    if (x[i] < -80.0f && fabs(y[i]) < 1e-30) continue;
                    fail_msg("silu %s [%lld] x=%g: %g vs %g", hgnCpuLevelName((HgnCpuLevel)lvl), (long long)i, x[i],
                             y[i], ref);
                }
            }
            hgnSwiglu(x, u, y, n);
            for (int64_t i = 0; i < n; i++) {
                double ref = x[i] / (1.0 + exp(-(double)x[i])) * u[i];
                if (!(fabs(y[i] - ref) <= 4e-6 * fabs(ref) + 1e-30) && !(x[i] < -80.0f && fabs(y[i]) < 1e-30))
                    fail_msg("swiglu %s [%lld]: %g vs %g", hgnCpuLevelName((HgnCpuLevel)lvl), (long long)i, y[i], ref);
            }
        }
        free(x);
        free(y);
        free(u);
    }
    hgnCpuSetLevel(hgnCpuBestLevel());
}

/* ---- RoPE ---------------------------------------------------------------------------- */

static void ropeReference(double *x, int nHeads, int headDim, int ropeDims, double pos, const float *invFreq,
                          HgnRopeStyle style) {
    int half = ropeDims / 2;
    for (int h = 0; h < nHeads; h++) {
        double *v = x + h * headDim;
        for (int i = 0; i < half; i++) {
            double a = (double)(float)((float)pos * invFreq[i]), c = cos(a), s = sin(a);
            int p = style == HGN_ROPE_NEOX ? i : 2 * i, q = style == HGN_ROPE_NEOX ? i + half : 2 * i + 1;
            double x0 = v[p], x1 = v[q];
            v[p] = x0 * c - x1 * s;
            v[q] = x0 * s + x1 * c;
        }
    }
}

static void testRope(void **state) {
    (void)state;
    float invFreq[HGN_ROPE_MAX_DIMS / 2];
    for (int trial = 0; trial < 60; trial++) {
        int headDim = 2 * (1 + rnd() % 80),
            ropeDims = trial % 3 == 0 ? 2 * (1 + (int)(rnd() % (uint32_t)(headDim / 2))) : headDim;
        int nHeads = 1 + rnd() % 5, nTok = 1 + rnd() % 4;
        int64_t pos0 = rnd() % 5000;
        HgnRopeStyle style = trial % 2 ? HGN_ROPE_NEOX : HGN_ROPE_NORMAL;
        hgnRopeInvFreq(trial % 5 == 0 ? 500000.0f : 10000.0f, ropeDims, NULL, 1.0f, invFreq);
        size_t n = (size_t)nTok * nHeads * headDim;
        float *x = malloc(n * 4), *ref = malloc(n * 4), *y = malloc(n * 4);
        double *xd = malloc(n * sizeof *xd);
        for (size_t i = 0; i < n; i++) x[i] = rndUniform(-2, 2);
        FOR_LEVELS(lvl) {
            hgnCpuSetLevel((HgnCpuLevel)lvl);
            memcpy(y, x, n * 4);
            hgnRope(y, nTok, nHeads, headDim, ropeDims, pos0, invFreq, style);
            if (lvl == 0)
                memcpy(ref, y, n * 4);
            else
                assert_memory_equal(ref, y, n * 4); /* same f32 operations at every level */
        }
        for (size_t i = 0; i < n; i++) xd[i] = x[i];
        for (int t = 0; t < nTok; t++)
            ropeReference(xd + (size_t)t * nHeads * headDim, nHeads, headDim, ropeDims, (double)(pos0 + t), invFreq,
                          style);
        for (size_t i = 0; i < n; i++) {
            if (fabs(y[i] - xd[i]) > 1e-6 * 4) fail_msg("rope [%zu]: %g vs %g", i, y[i], xd[i]);
            /* dimensions past ropeDims pass through */
            if ((int)(i % (size_t)headDim) >= ropeDims) assert_true(y[i] == x[i]);
        }
        free(x);
        free(ref);
        free(y);
        free(xd);
    }
    hgnCpuSetLevel(hgnCpuBestLevel());
}

static void testRopeConventionsAndTables(void **state) {
    (void)state;
    enum { D = 64 };
    float invFreq[D / 2], a[D], b[D], perm[D];
    hgnRopeInvFreq(10000.0f, D, NULL, 1.0f, invFreq);
    assert_true(invFreq[0] == 1.0f);
    assert_true(fabsf(invFreq[1] - powf(10000.0f, -2.0f / D)) < 1e-9f);
    /* position 0 is the identity */
    for (int i = 0; i < D; i++) a[i] = rndUniform(-1, 1);
    memcpy(b, a, sizeof a);
    hgnRope(b, 1, 1, D, D, 0, invFreq, HGN_ROPE_NEOX);
    assert_memory_equal(a, b, sizeof a);
    /* NeoX on x equals "normal" on x with the halves interleaved (the
     * permutation llama.cpp's converter applies to Q/K weights). */
    for (int i = 0; i < D / 2; i++) {
        perm[2 * i] = a[i];
        perm[2 * i + 1] = a[i + D / 2];
    }
    memcpy(b, a, sizeof a);
    hgnRope(b, 1, 1, D, D, 37, invFreq, HGN_ROPE_NEOX);
    hgnRope(perm, 1, 1, D, D, 37, invFreq, HGN_ROPE_NORMAL);
    for (int i = 0; i < D / 2; i++) {
        assert_true(perm[2 * i] == b[i]);
        assert_true(perm[2 * i + 1] == b[i + D / 2]);
    }
    /* rotation preserves each pair's norm */
    double n0 = 0, n1 = 0;
    for (int i = 0; i < D; i++) {
        n0 += (double)a[i] * a[i];
        n1 += (double)b[i] * b[i];
    }
    assert_true(fabs(n0 - n1) < 1e-5 * n0);
    /* freq factors divide, linear scaling divides */
    float ff[D / 2], t2[D / 2];
    for (int i = 0; i < D / 2; i++) ff[i] = 1.0f + (float)i;
    hgnRopeInvFreq(10000.0f, D, ff, 4.0f, t2);
    for (int i = 0; i < D / 2; i++) assert_true(fabsf(t2[i] - invFreq[i] / ff[i] / 4.0f) <= 1e-7f * invFreq[i]);
}

/* Llama 3.1 (factor 8, low 1, high 4, original context 8192), head size 128,
 * theta 500000: high frequencies kept, low ones divided by 8, the band
 * between smoothly interpolated (Hugging Face's formula, in double here). */
static void testRopeLlama3(void **state) {
    (void)state;
    enum { D = 128 };
    float f[D / 2], base[D / 2];
    hgnRopeInvFreq(500000.0f, D, NULL, 1.0f, base);
    memcpy(f, base, sizeof f);
    hgnRopeLlama3Scale(f, D, 8.0f, 1.0f, 4.0f, 8192);
    int kept = 0, divided = 0, smoothed = 0;
    for (int i = 0; i < D / 2; i++) {
        double wl = 2 * M_PI / base[i], ref;
        if (wl < 8192.0 / 4)
            ref = base[i], kept++;
        else if (wl > 8192.0 / 1)
            ref = base[i] / 8.0, divided++;
        else {
            double s = (8192.0 / wl - 1.0) / (4.0 - 1.0);
            ref = (1 - s) * base[i] / 8.0 + s * base[i];
            smoothed++;
        }
        assert_true(fabs(f[i] - ref) <= 1e-6 * ref);
    }
    assert_true(kept > 0 && divided > 0 && smoothed > 0);
}

/* ---- attention ------------------------------------------------------------------------- */

typedef struct Cache {
    HgnAttention a;
    void *k, *v;
    int maxPos;
} Cache;

static void cacheFill(Cache *c, int nHeads, int nKv, int d, int maxPos, HgnDtype t) {
    c->maxPos = maxPos;
    size_t n = (size_t)maxPos * nKv * d, es = t == HGN_DTYPE_F16 ? 2 : 4;
    c->k = malloc(n * es);
    c->v = malloc(n * es);
    for (size_t i = 0; i < n; i++) {
        float kv = rndUniform(-1, 1), vv = rndUniform(-1, 1);
        if (es == 2) {
            ((uint16_t *)c->k)[i] = hgnF32ToF16(kv);
            ((uint16_t *)c->v)[i] = hgnF32ToF16(vv);
        } else {
            ((float *)c->k)[i] = kv;
            ((float *)c->v)[i] = vv;
        }
    }
    /* layout [kvHead][pos][d] (head-major), exercising both strides */
    c->a = (HgnAttention){.nHeads = nHeads,
                          .nKvHeads = nKv,
                          .headDim = d,
                          .cacheType = t,
                          .k = c->k,
                          .v = c->v,
                          .posStride = d,
                          .headStride = (int64_t)maxPos * d,
                          .scale = 1.0f / sqrtf((float)d)};
}

static double cacheAt(const Cache *c, const void *base, int pos, int kvh, int i) {
    size_t idx = (size_t)pos * c->a.posStride + (size_t)kvh * c->a.headStride + i;
    return c->a.cacheType == HGN_DTYPE_F16 ? hgnF16ToF32(((const uint16_t *)base)[idx]) : ((const float *)base)[idx];
}

static void attentionReference(const Cache *c, const float *q, int nTok, int pos0, double *out, double *mag) {
    const HgnAttention *a = &c->a;
    double *s = malloc((size_t)(pos0 + nTok) * sizeof *s);
    for (int t = 0; t < nTok; t++) {
        for (int h = 0; h < a->nHeads; h++) {
            int kvh = h / (a->nHeads / a->nKvHeads), n = pos0 + t + 1;
            /* sliding window: keys (pos - window, pos] */
            int first = a->window > 0 && n > a->window ? n - (int)a->window : 0;
            const float *qv = q + ((size_t)t * a->nHeads + h) * a->headDim;
            double max = -INFINITY, sum = 0;
            for (int p = 0; p < first; p++) s[p] = 0;
            for (int p = first; p < n; p++) {
                double d = 0;
                for (int i = 0; i < a->headDim; i++) d += qv[i] * cacheAt(c, c->k, p, kvh, i);
                s[p] = d * a->scale;
                max = fmax(max, s[p]);
            }
            for (int p = first; p < n; p++) sum += (s[p] = exp(s[p] - max));
            for (int i = 0; i < a->headDim; i++) {
                double o = 0, m = 0;
                for (int p = 0; p < n; p++) {
                    o += s[p] / sum * cacheAt(c, c->v, p, kvh, i);
                    m += s[p] / sum * fabs(cacheAt(c, c->v, p, kvh, i));
                }
                out[((size_t)t * a->nHeads + h) * a->headDim + i] = o;
                mag[((size_t)t * a->nHeads + h) * a->headDim + i] = m;
            }
        }
    }
    free(s);
}

static void testAttention(void **state) {
    (void)state;
    HgnThreadPool *pool = NULL;
    assert_null(hgnThreadPoolCreate(3, &pool));
    for (int trial = 0; trial < 24; trial++) {
        int nKv = 1 + rnd() % 3, group = 1 + rnd() % 4, d = 1 + rnd() % 100, nTok = 1 + rnd() % 6;
        int pos0 = rnd() % 90;
        HgnDtype t = trial % 2 ? HGN_DTYPE_F16 : HGN_DTYPE_F32;
        Cache c;
        cacheFill(&c, nKv * group, nKv, d, pos0 + nTok, t);
        if (trial % 3 == 2) c.a.window = 1 + rnd() % 12; /* sliding window, often shorter than pos0 */
        size_t nq = (size_t)nTok * nKv * group * d;
        float *q = malloc(nq * 4), *out = malloc(nq * 4);
        double *ref = malloc(nq * sizeof *ref), *mag = malloc(nq * sizeof *mag);
        for (size_t i = 0; i < nq; i++) q[i] = rndUniform(-2, 2);
        attentionReference(&c, q, nTok, pos0, ref, mag);
        size_t ws = hgnAttentionWorkSize(3, pos0 + nTok);
        void *work = malloc(ws);
        FOR_LEVELS(lvl) {
            hgnCpuSetLevel((HgnCpuLevel)lvl);
            assert_null(hgnAttention(pool, &c.a, q, nTok, pos0, out, work, ws));
            for (size_t i = 0; i < nq; i++)
                if (!(fabs(out[i] - ref[i]) <= 2e-5 * mag[i] + 1e-7))
                    fail_msg("attention %s %s d=%d [%zu]: %g vs %g", hgnCpuLevelName((HgnCpuLevel)lvl), hgnDtypeName(t),
                             d, i, out[i], ref[i]);
            /* prefill = one decode per token, bit for bit */
            float *dec = malloc((size_t)(nKv * group * d) * 4);
            for (int tok = 0; tok < nTok; tok++) {
                size_t off = (size_t)tok * nKv * group * d;
                assert_null(hgnAttention(NULL, &c.a, q + off, 1, pos0 + tok, dec, work, ws));
                assert_memory_equal(dec, out + off, (size_t)(nKv * group * d) * 4);
            }
            free(dec);
        }
        free(q);
        free(out);
        free(ref);
        free(mag);
        free(work);
        free(c.k);
        free(c.v);
    }
    hgnCpuSetLevel(hgnCpuBestLevel());
    hgnThreadPoolFree(pool);
}

static void testAttentionNoAllocAndErrors(void **state) {
    (void)state;
    Cache c;
    cacheFill(&c, 8, 2, 64, 200, HGN_DTYPE_F32);
    float q[8 * 64], out[8 * 64];
    for (int i = 0; i < 8 * 64; i++) q[i] = rndUniform(-1, 1);
    HgnThreadPool *pool = NULL;
    assert_null(hgnThreadPoolCreate(2, &pool));
    size_t ws = hgnAttentionWorkSize(2, 200);
    void *work = malloc(ws);
    uint64_t before = hgnAllocCount();
    for (int p = 0; p < 200; p++) assert_null(hgnAttention(pool, &c.a, q, 1, p, out, work, ws));
    assert_int_equal(hgnAllocCount(), before);
    HgnStatus st = hgnAttention(pool, &c.a, q, 1, 199, out, work, ws - 4);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    HgnAttention bad = c.a;
    bad.nKvHeads = 3;
    st = hgnAttention(pool, &bad, q, 1, 0, out, work, ws);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    bad = c.a;
    bad.cacheType = HGN_DTYPE_Q8_0;
    st = hgnAttention(pool, &bad, q, 1, 0, out, work, ws);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_UnsupportedDtype);
    hgnStatusFree(st);
    st = hgnAttention(pool, &c.a, q, 0, 0, out, work, ws);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    /* thread-count independence */
    float out1[8 * 64];
    assert_null(hgnAttention(NULL, &c.a, q, 1, 150, out1, work, ws));
    assert_null(hgnAttention(pool, &c.a, q, 1, 150, out, work, ws));
    assert_memory_equal(out1, out, sizeof out);
    hgnThreadPoolFree(pool);
    free(work);
    free(c.k);
    free(c.v);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRmsNorm),
        cmocka_unit_test(testSoftmaxAndActivations),
        cmocka_unit_test(testRope),
        cmocka_unit_test(testRopeConventionsAndTables),
        cmocka_unit_test(testRopeLlama3),
        cmocka_unit_test(testAttention),
        cmocka_unit_test(testAttentionNoAllocAndErrors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
