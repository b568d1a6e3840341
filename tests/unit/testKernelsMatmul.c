/* testKernelsMatmul.c — matrix products over F32, F16, BF16, Q8_0, Q4_0 and
 * Q4_1 weights at every CPU level against a double-precision reference over
 * random shapes with tails, results independent of the thread count, the
 * OpenBLAS path, no heap allocation in a matvec, the accuracy of the int8
 * activation path, and argument errors.
 *
 * Tolerance: |y - ref| <= 1e-5 * Σ|w_i x_i| + 1e-30. The reference is exact
 * to double precision over the values the kernel really multiplies (the
 * dequantised weights, and for quantised types the quantised activations).
 * A float sum of n terms in any order is within about n·2^-24·Σ|t| of it and
 * typically sqrt(n)·2^-24·Σ|t|; for the n ≤ 384 used here 1e-5 covers the
 * realistic bound with a wide margin while still failing on any wrong
 * element, block or scale (each of which moves the sum by far more). */
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

static uint64_t rngState = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return (uint32_t)(rngState >> 16);
}
static float rndUniform(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() & 0xffffff) / 16777216.0f; }

static const HgnDtype types[] = {HGN_DTYPE_F32,  HGN_DTYPE_F16,  HGN_DTYPE_BF16,
                                 HGN_DTYPE_Q8_0, HGN_DTYPE_Q4_0, HGN_DTYPE_Q4_1};

static bool quantised(HgnDtype t) { return t == HGN_DTYPE_Q8_0 || t == HGN_DTYPE_Q4_0 || t == HGN_DTYPE_Q4_1; }

/* Encodes rows×cols floats as type t; returns bytes per row. */
static size_t encode(HgnDtype t, const float *src, int64_t rows, int64_t cols, void *dst) {
    const HgnDtypeInfo *info = hgnDtypeInfo(t);
    size_t rowBytes = (size_t)(cols / info->blockSize) * info->bytesPerBlock;
    for (int64_t r = 0; r < rows; r++) {
        const float *s = src + r * cols;
        uint8_t *d = (uint8_t *)dst + r * rowBytes;
        switch (t) {
        case HGN_DTYPE_F32:
            memcpy(d, s, (size_t)cols * 4);
            break;
        case HGN_DTYPE_F16:
            for (int64_t c = 0; c < cols; c++) ((uint16_t *)d)[c] = hgnF32ToF16(s[c]);
            break;
        case HGN_DTYPE_BF16:
            for (int64_t c = 0; c < cols; c++) ((uint16_t *)d)[c] = hgnF32ToBf16(s[c]);
            break;
        case HGN_DTYPE_Q8_0:
            hgnQuantizeRowQ8_0(s, (HgnBlockQ8_0 *)d, cols);
            break;
        case HGN_DTYPE_Q4_0:
            hgnQuantizeRowQ4_0(s, (HgnBlockQ4_0 *)d, cols);
            break;
        case HGN_DTYPE_Q4_1:
            hgnQuantizeRowQ4_1(s, (HgnBlockQ4_1 *)d, cols);
            break;
        default:
            fail();
        }
    }
    return rowBytes;
}

/* Reference y and Σ|terms| in double from the dequantised operands. */
static void reference(HgnDtype t, bool quantAct, const void *w, size_t rowBytes, int64_t rows, int64_t cols,
                      const float *x, int64_t nVecs, double *ref, double *mag) {
    float *wrow = malloc((size_t)cols * sizeof *wrow), *xv = malloc((size_t)cols * sizeof *xv);
    HgnBlockQ8Act *xq = malloc((size_t)(cols / 32 + 1) * sizeof *xq);
    HgnCpuLevel saved = hgnCpuLevel();
    hgnCpuSetLevel(HGN_CPU_SCALAR);
    for (int64_t v = 0; v < nVecs; v++) {
        if (quantAct) {
            hgnQuantizeActQ8(x + v * cols, xq, cols);
            for (int64_t c = 0; c < cols; c++) xv[c] = xq[c / 32].d * (float)xq[c / 32].qs[c % 32];
        } else {
            memcpy(xv, x + v * cols, (size_t)cols * sizeof *xv);
        }
        for (int64_t r = 0; r < rows; r++) {
            assert_null(hgnDequantizeRow(t, (const uint8_t *)w + r * rowBytes, wrow, cols));
            double s = 0, m = 0;
            for (int64_t c = 0; c < cols; c++) {
                s += (double)wrow[c] * xv[c];
                m += fabs((double)wrow[c] * xv[c]);
            }
            ref[v * rows + r] = s;
            mag[v * rows + r] = m;
        }
    }
    hgnCpuSetLevel(saved);
    free(wrow);
    free(xv);
    free(xq);
}

static void checkClose(const float *y, const double *ref, const double *mag, int64_t n, const char *what) {
    for (int64_t i = 0; i < n; i++) {
        double tol = 1e-5 * mag[i] + 1e-30;
        if (!(fabs(y[i] - ref[i]) <= tol))
            fail_msg("%s: element %lld is %.9g, reference %.9g (tolerance %.3g)", what, (long long)i, y[i], ref[i],
                     tol);
    }
}

static void testAgainstReference(void **state) {
    (void)state;
    HgnThreadPool *pool = NULL;
    assert_null(hgnThreadPoolCreate(3, &pool));
    HgnCpuLevel best = hgnCpuBestLevel();
    const int64_t vecCounts[] = {1, 3, 9, 40};
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
        HgnDtype t = types[ti];
        for (int trial = 0; trial < 12; trial++) {
            int64_t rows = 1 + rnd() % 70;
            int64_t cols = quantised(t) ? 32 * (1 + rnd() % 12) : 1 + rnd() % 300;
            int64_t nVecs = vecCounts[trial % 4];
            float *wf = malloc((size_t)(rows * cols) * sizeof *wf), *x = malloc((size_t)(nVecs * cols) * sizeof *x);
            for (int64_t i = 0; i < rows * cols; i++) wf[i] = rndUniform(-1, 1);
            for (int64_t i = 0; i < nVecs * cols; i++) x[i] = rndUniform(-2, 2);
            void *w = malloc((size_t)(rows * cols) * 4);
            size_t rowBytes = encode(t, wf, rows, cols, w);
            size_t ny = (size_t)(rows * nVecs);
            double *ref = malloc(ny * sizeof *ref), *mag = malloc(ny * sizeof *mag);
            /* quantised weights with few vectors use int8 activations; with a
             * prefill-sized batch (and BLAS allowed) f32 activations */
            double *refF = malloc(ny * sizeof *ref), *magF = malloc(ny * sizeof *mag);
            reference(t, quantised(t), w, rowBytes, rows, cols, x, nVecs, ref, mag);
            reference(t, false, w, rowBytes, rows, cols, x, nVecs, refF, magF);
            size_t ws = hgnMatmulWorkSize(t, cols, nVecs, hgnThreadPoolSize(pool));
            void *work = ws ? malloc(ws) : NULL;
            float *y = malloc((size_t)(rows * nVecs) * sizeof *y);
            for (int lvl = 0; lvl <= (int)best; lvl++) {
                hgnCpuSetLevel((HgnCpuLevel)lvl);
                for (int flags = 0; flags <= HGN_MATMUL_NO_BLAS; flags++) {
                    char what[96];
                    snprintf(what, sizeof what, "%s %lldx%lld n=%lld %s%s", hgnDtypeName(t), (long long)rows,
                             (long long)cols, (long long)nVecs, hgnCpuLevelName((HgnCpuLevel)lvl),
                             flags ? " no-blas" : "");
                    memset(y, 0xff, (size_t)(rows * nVecs) * sizeof *y);
                    assert_null(hgnMatmul(pool, t, w, rows, cols, x, nVecs, y, work, ws, flags));
                    bool f32Act = !flags && nVecs >= HGN_MATMUL_CONVERT_MIN_VECS;
                    checkClose(y, f32Act ? refF : ref, f32Act ? magF : mag, rows * nVecs, what);
                }
                /* hgnDotRow agrees with the product it builds */
                if (!quantised(t) && nVecs == 1) /* rows done in pairs agree bit for bit with one-row dots */
                    for (int64_t r = 0; r < rows; r++)
                        assert_true(hgnDotRow(t, (const uint8_t *)w + r * rowBytes, x, NULL, cols) == y[r]);
            }
            hgnCpuSetLevel(best);
            free(wf);
            free(x);
            free(w);
            free(ref);
            free(mag);
            free(refF);
            free(magF);
            free(work);
            free(y);
        }
    }
    hgnThreadPoolFree(pool);
}

/* Same inputs, 1..4 threads: bit-identical outputs (own kernels and OpenBLAS). */
static void testThreadCountIndependence(void **state) {
    (void)state;
    enum { R = 803, C = 256, V = 20 };
    static float wf[R * C], x[V * C], y1[V * R], yn[V * R];
    static uint8_t w[R * C * 4], work[4 * 256 * C * 4];
    for (int i = 0; i < R * C; i++) wf[i] = rndUniform(-1, 1);
    for (int i = 0; i < V * C; i++) x[i] = rndUniform(-1, 1);
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
        encode(types[ti], wf, R, C, w);
        for (int64_t nVecs = 1; nVecs <= V; nVecs += 9) { /* 1, 10, 19: dots, F32 BLAS, converted BLAS */
            for (int threads = 1; threads <= 4; threads++) {
                HgnThreadPool *pool = NULL;
                assert_null(hgnThreadPoolCreate(threads, &pool));
                float *y = threads == 1 ? y1 : yn;
                assert_null(hgnMatmul(pool, types[ti], w, R, C, x, nVecs, y, work, sizeof work, 0));
                if (threads > 1 && memcmp(y1, yn, (size_t)(nVecs * R) * sizeof(float)) != 0)
                    fail_msg("%s with %lld vectors differs between 1 and %d threads", hgnDtypeName(types[ti]),
                             (long long)nVecs, threads);
                hgnThreadPoolFree(pool);
            }
        }
    }
}

static void testMatvecDoesNotAllocate(void **state) {
    (void)state;
    enum { R = 512, C = 1024 };
    HgnThreadPool *pool = NULL;
    assert_null(hgnThreadPoolCreate(2, &pool));
    static float wf[R * C], x[C], y[R];
    static uint8_t w[R * C * 4], work[C / 32 * 40];
    for (int i = 0; i < R * C; i++) wf[i] = rndUniform(-1, 1);
    for (int i = 0; i < C; i++) x[i] = rndUniform(-1, 1);
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
        encode(types[ti], wf, R, C, w);
        assert_null(hgnMatmul(pool, types[ti], w, R, C, x, 1, y, work, sizeof work, 0));
        uint64_t before = hgnAllocCount();
        for (int k = 0; k < 50; k++) assert_null(hgnMatmul(pool, types[ti], w, R, C, x, 1, y, work, sizeof work, 0));
        assert_int_equal(hgnAllocCount(), before);
    }
    hgnThreadPoolFree(pool);
}

/* The int8 activation path against the exact f32 product of the same
 * (dequantised) weights: the relative RMS error, printed for docs/kernels.md.
 * Rounding an activation costs at most half a step of amax/127 of its block;
 * for uniform activations that is an RMS of about 0.4 % of the RMS value and
 * the dot-product errors add incoherently, so the bound is 0.6 %. With one
 * 20x outlier every 97 elements the step of a third of the blocks grows 20x;
 * the bound is then 3 %. */
static void testActivationQuantisationAccuracy(void **state) {
    (void)state;
    enum { R = 256, C = 2048 };
    static float wf[R * C], x[C], wrow[C], y[R];
    static uint8_t w[R * C * 4], work[C / 32 * 40];
    for (int i = 0; i < R * C; i++) wf[i] = rndUniform(-1, 1);
    const HgnDtype qt[] = {HGN_DTYPE_Q8_0, HGN_DTYPE_Q4_0, HGN_DTYPE_Q4_1};
    for (int outliers = 0; outliers <= 1; outliers++) {
        for (int i = 0; i < C; i++) x[i] = rndUniform(-1, 1) * (outliers && i % 97 == 0 ? 20.0f : 1.0f);
        for (int k = 0; k < 3; k++) {
            size_t rowBytes = encode(qt[k], wf, R, C, w);
            assert_null(hgnMatmul(NULL, qt[k], w, R, C, x, 1, y, work, sizeof work, 0));
            double num = 0, den = 0;
            for (int r = 0; r < R; r++) {
                assert_null(hgnDequantizeRow(qt[k], w + r * rowBytes, wrow, C));
                double exact = 0;
                for (int c = 0; c < C; c++) exact += (double)wrow[c] * x[c];
                num += (y[r] - exact) * (y[r] - exact);
                den += exact * exact;
            }
            double rel = sqrt(num / den);
            print_message("%s, q8 activations%s: relative RMS error %.2e vs f32 activations\n", hgnDtypeName(qt[k]),
                          outliers ? " with outliers" : "", rel);
            assert_true(rel < (outliers ? 3e-2 : 6e-3));
        }
    }
}

static void expectCode(HgnStatus st, HgnCode code) {
    assert_non_null(st);
    assert_int_equal(hgnStatusCode(st), code);
    hgnStatusFree(st);
}

static void testErrors(void **state) {
    (void)state;
    float x[64] = {0}, y[4];
    uint8_t w[4 * 64 * 4] = {0}, work[2 * 40];
    expectCode(hgnMatmul(NULL, HGN_DTYPE_Q4_K, w, 1, 256, x, 1, y, work, sizeof work, 0), HGN_CODE_UnsupportedDtype);
    expectCode(hgnMatmul(NULL, HGN_DTYPE_Q8_0, w, 1, 48, x, 1, y, work, sizeof work, 0), HGN_CODE_InvalidArgument);
    expectCode(hgnMatmul(NULL, HGN_DTYPE_Q8_0, w, 1, 64, x, 1, y, work, 40, 0), HGN_CODE_InvalidArgument);
    expectCode(hgnMatmul(NULL, HGN_DTYPE_Q8_0, w, 1, 64, x, 1, y, NULL, 80, 0), HGN_CODE_InvalidArgument);
    expectCode(hgnMatmul(NULL, HGN_DTYPE_F32, w, 0, 64, x, 1, y, NULL, 0, 0), HGN_CODE_InvalidArgument);
    expectCode(hgnMatmul(NULL, HGN_DTYPE_F32, w, 4, 64, x, -1, y, NULL, 0, 0), HGN_CODE_InvalidArgument);
    assert_true(hgnMatmulSupports(HGN_DTYPE_Q4_1));
    assert_false(hgnMatmulSupports(HGN_DTYPE_Q5_0));
    assert_int_equal(hgnMatmulWorkSize(HGN_DTYPE_F16, 64, 3, 1), 0);
    assert_int_equal(hgnMatmulWorkSize(HGN_DTYPE_F32, 64, 300, 2), 0);
    assert_int_equal(hgnMatmulWorkSize(HGN_DTYPE_Q4_0, 64, 3, 2), 3 * 2 * sizeof(HgnBlockQ8Act));
    assert_int_equal(hgnMatmulWorkSize(HGN_DTYPE_BF16, 64, 16, 2), 2 * 256 * 64 * sizeof(float));
    assert_int_equal(hgnMatmulWorkSize(HGN_DTYPE_Q8_0, 64, 16, 1), 256 * 64 * sizeof(float));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testAgainstReference),
        cmocka_unit_test(testThreadCountIndependence),
        cmocka_unit_test(testMatvecDoesNotAllocate),
        cmocka_unit_test(testActivationQuantisationAccuracy),
        cmocka_unit_test(testErrors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
