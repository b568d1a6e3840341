/* testKernelsQuant.c — f16/bf16 conversions (exhaustive round trips, round to
 * nearest even at ties, overflow, subnormals, NaN; agreement with the F16C
 * instruction where present), ggml's Q8_0/Q4_0/Q4_1 layouts and reference
 * quantisers, the activation quantiser (every SIMD level bit-identical to
 * the scalar one) and row dequantisation errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "runtime/cpu/kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static uint64_t rngState = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return (uint32_t)(rngState >> 16);
}
static float rndUniform(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() & 0xffffff) / 16777216.0f; }
static float bitsFloat(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static void testF16RoundTripExhaustive(void **state) {
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = hgnF16ToF32((uint16_t)h);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) {
            assert_true(isnan(f));
            assert_true((hgnF32ToF16(f) & 0x7c00) == 0x7c00 && (hgnF32ToF16(f) & 0x3ff));
            continue;
        }
        assert_int_equal(hgnF32ToF16(f), h);
        assert_int_equal(hgnBf16ToF32((uint16_t)h) == hgnBf16ToF32((uint16_t)h), 1 - isnan(hgnBf16ToF32((uint16_t)h)));
        if (!isnan(hgnBf16ToF32((uint16_t)h))) assert_int_equal(hgnF32ToBf16(hgnBf16ToF32((uint16_t)h)), h);
    }
    assert_true(hgnF16ToF32(0x3c00) == 1.0f);
    assert_true(hgnF16ToF32(0x0001) == ldexpf(1.0f, -24));
    assert_true(hgnF16ToF32(0x7bff) == 65504.0f);
    assert_true(isinf(hgnF16ToF32(0xfc00)) && hgnF16ToF32(0xfc00) < 0);
}

static void testF16Rounding(void **state) {
    (void)state;
    assert_int_equal(hgnF32ToF16(65504.0f), 0x7bff);
    assert_int_equal(hgnF32ToF16(65519.99f), 0x7bff);
    assert_int_equal(hgnF32ToF16(65520.0f), 0x7c00); /* tie rounds to even: inf */
    assert_int_equal(hgnF32ToF16(-1e30f), 0xfc00);
    assert_int_equal(hgnF32ToF16(1.0f + ldexpf(1, -11)), 0x3c00);     /* tie → even (down) */
    assert_int_equal(hgnF32ToF16(1.0f + 3 * ldexpf(1, -11)), 0x3c02); /* tie → even (up) */
    assert_int_equal(hgnF32ToF16(ldexpf(1, -25)), 0x0000);            /* tie between 0 and 1 ulp → 0 */
    assert_int_equal(hgnF32ToF16(ldexpf(1.5f, -25)), 0x0001);
    assert_int_equal(hgnF32ToF16(ldexpf(3, -25)), 0x0002); /* 1.5 ulp → 2 */
    assert_int_equal(hgnF32ToF16(ldexpf(1, -14)), 0x0400);
    assert_int_equal(hgnF32ToF16(ldexpf(1023.5f, -24)), 0x0400); /* rounds up into the normals */
    assert_int_equal(hgnF32ToF16(-0.0f), 0x8000);
    assert_int_equal(hgnF32ToF16(1e-30f), 0x0000);
    assert_int_equal(hgnF32ToBf16(1.0f + ldexpf(1, -8)), 0x3f80); /* tie → even */
    assert_int_equal(hgnF32ToBf16(1.0f + 3 * ldexpf(1, -8)), 0x3f82);
    assert_int_equal(hgnF32ToBf16(bitsFloat(0x7f7fffff)), 0x7f80); /* max float rounds to inf */
    assert_true(isnan(hgnBf16ToF32(hgnF32ToBf16(bitsFloat(0x7f800001)))));
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) static uint16_t hwF16(float f) {
    return (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
#endif

static void testF16MatchesHardware(void **state) {
    (void)state;
#if defined(__x86_64__)
    if (!hgnCpuFeatures()->f16c) skip();
    for (int i = 0; i < 2000000; i++) {
        uint32_t u = rnd() ^ (rnd() << 16);
        float f = bitsFloat(u);
        if (isnan(f)) continue;
        assert_int_equal(hgnF32ToF16(f), hwF16(f));
        /* and near the half range, where the interesting cases live */
        float g = bitsFloat(0x33000000u + (u % 0x14000000u));
        assert_int_equal(hgnF32ToF16(g), hwF16(g));
    }
#else
    skip();
#endif
}

static void testBlockLayouts(void **state) {
    (void)state;
    /* Q4_0: element j in the low nibble of byte j, element j+16 in the high one, value (q-8)*d */
    HgnBlockQ4_0 b4 = {.d = hgnF32ToF16(0.5f)};
    for (int j = 0; j < 16; j++) b4.qs[j] = (uint8_t)(j | ((15 - j) << 4));
    float out[32];
    assert_null(hgnDequantizeRow(HGN_DTYPE_Q4_0, &b4, out, 32));
    for (int j = 0; j < 16; j++) {
        assert_true(out[j] == (float)(j - 8) * 0.5f);
        assert_true(out[j + 16] == (float)(15 - j - 8) * 0.5f);
    }
    HgnBlockQ4_1 b41 = {.d = hgnF32ToF16(0.25f), .m = hgnF32ToF16(-1.0f)};
    for (int j = 0; j < 16; j++) b41.qs[j] = (uint8_t)(j | ((15 - j) << 4));
    assert_null(hgnDequantizeRow(HGN_DTYPE_Q4_1, &b41, out, 32));
    for (int j = 0; j < 16; j++) {
        assert_true(out[j] == (float)j * 0.25f - 1.0f);
        assert_true(out[j + 16] == (float)(15 - j) * 0.25f - 1.0f);
    }
    /* byte layout as stored in a GGUF file: 2 bytes of fp16 d, then the quants */
    unsigned char raw[34];
    uint16_t d = hgnF32ToF16(2.0f);
    memcpy(raw, &d, 2);
    for (int j = 0; j < 32; j++) raw[2 + j] = (unsigned char)(int8_t)(j - 16);
    assert_null(hgnDequantizeRow(HGN_DTYPE_Q8_0, raw, out, 32));
    for (int j = 0; j < 32; j++) assert_true(out[j] == (float)(j - 16) * 2.0f);
}

static void testReferenceQuantisers(void **state) {
    (void)state;
    float x[64], y[64];
    for (int i = 0; i < 64; i++) x[i] = rndUniform(-3, 3);
    x[5] = -4.0f; /* largest magnitude, negative: Q4_0 d = max / -8 = 0.5 */
    HgnBlockQ8_0 q8[2];
    HgnBlockQ4_0 q4[2];
    HgnBlockQ4_1 q41[2];
    hgnQuantizeRowQ8_0(x, q8, 64);
    hgnQuantizeRowQ4_0(x, q4, 64);
    hgnQuantizeRowQ4_1(x, q41, 64);
    assert_true(hgnF16ToF32(q4[0].d) == 0.5f);
    assert_int_equal(q4[0].qs[5] & 0x0f, 0); /* -4 / 0.5 + 8.5 = 0.5 → 0 */
    assert_int_equal(q8[0].qs[5], -127);
    for (int blk = 0; blk < 2; blk++) {
        float amax = 0, mn = INFINITY, mx = -INFINITY;
        for (int j = 0; j < 32; j++) {
            amax = fmaxf(amax, fabsf(x[blk * 32 + j]));
            mn = fminf(mn, x[blk * 32 + j]);
            mx = fmaxf(mx, x[blk * 32 + j]);
        }
        assert_null(hgnDequantizeRow(HGN_DTYPE_Q8_0, &q8[blk], y, 32));
        for (int j = 0; j < 32; j++) assert_true(fabsf(y[j] - x[blk * 32 + j]) <= amax / 127 * 0.5f * 1.01f + 1e-6f);
        assert_null(hgnDequantizeRow(HGN_DTYPE_Q4_0, &q4[blk], y, 32));
        for (int j = 0; j < 32; j++) assert_true(fabsf(y[j] - x[blk * 32 + j]) <= amax / 8 * 1.01f + 1e-6f);
        assert_null(hgnDequantizeRow(HGN_DTYPE_Q4_1, &q41[blk], y, 32));
        for (int j = 0; j < 32; j++) assert_true(fabsf(y[j] - x[blk * 32 + j]) <= (mx - mn) / 15 * 1.01f + 1e-3f);
    }
    /* all-zero block: d = 0, quants at the zero point */
    float z[32] = {0};
    hgnQuantizeRowQ4_0(z, q4, 32);
    assert_true(hgnF16ToF32(q4[0].d) == 0.0f); /* -0 as in ggml (0 / -8) */
    for (int j = 0; j < 16; j++) assert_int_equal(q4[0].qs[j], 0x88);
    hgnQuantizeRowQ8_0(z, q8, 32);
    for (int j = 0; j < 32; j++) assert_int_equal(q8[0].qs[j], 0);
}

static void testDequantizeErrors(void **state) {
    (void)state;
    float out[32];
    HgnBlockQ8_0 b = {0};
    HgnStatus st = hgnDequantizeRow(HGN_DTYPE_Q8_0, &b, out, 31);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    st = hgnDequantizeRow(HGN_DTYPE_Q4_K, &b, out, 256);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_UnsupportedDtype);
    hgnStatusFree(st);
    uint16_t h[3] = {0x3c00, 0xc000, 0x3800};
    assert_null(hgnDequantizeRow(HGN_DTYPE_F16, h, out, 3));
    assert_true(out[0] == 1.0f && out[1] == -2.0f && out[2] == 0.5f);
}

/* The activation quantiser: every level bit-identical to the scalar one
 * (both round half to even from the same f32 products). */
static void testActivationQuantiser(void **state) {
    (void)state;
    HgnCpuLevel best = hgnCpuBestLevel();
    enum { N = 32 * 40 };
    static float x[N];
    static HgnBlockQ8Act ref[N / 32], got[N / 32];
    for (int round = 0; round < 20; round++) {
        for (int i = 0; i < N; i++) x[i] = rndUniform(-10, 10) * (round % 3 == 0 ? 1e-3f : 1.0f);
        if (round == 1) memset(x, 0, 32 * sizeof *x); /* zero block */
        if (round == 2) x[7] = 127.0f * 0.5f;         /* exact ties */
        hgnCpuSetLevel(HGN_CPU_SCALAR);
        hgnQuantizeActQ8(x, ref, N);
        for (int b = 0; b < N / 32; b++) {
            int32_t s = 0;
            for (int j = 0; j < 32; j++) {
                s += ref[b].qs[j];
                assert_true(fabsf(ref[b].d * ref[b].qs[j] - x[b * 32 + j]) <= ref[b].d * 0.5001f + 1e-12f);
            }
            assert_true(ref[b].s == ref[b].d * (float)s);
        }
        for (int lvl = HGN_CPU_AVX2; lvl <= (int)best; lvl++) {
            hgnCpuSetLevel((HgnCpuLevel)lvl);
            memset(got, 0x55, sizeof got);
            hgnQuantizeActQ8(x, got, N);
            assert_memory_equal(ref, got, sizeof ref);
        }
    }
    hgnCpuSetLevel(best);
}

/* Row dequantisation: every level bit-identical to the scalar code, random
 * quants and scales, lengths with tails for the plain types. */
static void testDequantizeLevels(void **state) {
    (void)state;
    const HgnDtype types[] = {HGN_DTYPE_F16, HGN_DTYPE_BF16, HGN_DTYPE_Q8_0, HGN_DTYPE_Q4_0, HGN_DTYPE_Q4_1};
    static uint8_t raw[64 * 40];
    static float ref[2048], got[2048];
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
        const HgnDtypeInfo *info = hgnDtypeInfo(types[ti]);
        for (int trial = 0; trial < 30; trial++) {
            int64_t n = info->blockSize == 1 ? 1 + rnd() % 700 : 32 * (1 + rnd() % 40);
            for (size_t i = 0; i < sizeof raw; i++) raw[i] = (uint8_t)rnd();
            if (info->blockSize == 1) {
                for (int64_t i = 0; i < n; i++) { /* finite values only */
                    uint16_t h = types[ti] == HGN_DTYPE_F16 ? hgnF32ToF16(rndUniform(-100, 100))
                                                            : hgnF32ToBf16(rndUniform(-100, 100));
                    memcpy(raw + 2 * i, &h, 2);
                }
            } else {
                for (int64_t b = 0; b < n / 32; b++) {
                    uint16_t d = hgnF32ToF16(rndUniform(-0.1f, 0.1f)), m = hgnF32ToF16(rndUniform(-1, 1));
                    memcpy(raw + b * info->bytesPerBlock, &d, 2);
                    if (types[ti] == HGN_DTYPE_Q4_1) memcpy(raw + b * info->bytesPerBlock + 2, &m, 2);
                }
            }
            hgnCpuSetLevel(HGN_CPU_SCALAR);
            assert_null(hgnDequantizeRow(types[ti], raw, ref, n));
            for (int lvl = HGN_CPU_AVX2; lvl <= (int)hgnCpuBestLevel(); lvl++) {
                hgnCpuSetLevel((HgnCpuLevel)lvl);
                assert_null(hgnDequantizeRow(types[ti], raw, got, n));
                assert_memory_equal(ref, got, (size_t)n * sizeof(float));
            }
        }
    }
    hgnCpuSetLevel(hgnCpuBestLevel());
}

static void testCpuLevels(void **state) {
    (void)state;
    HgnCpuLevel best = hgnCpuBestLevel();
    assert_int_equal(hgnCpuSetLevel(HGN_CPU_AVX512), best);
    assert_int_equal(hgnCpuSetLevel(HGN_CPU_SCALAR), HGN_CPU_SCALAR);
    assert_int_equal(hgnCpuLevel(), HGN_CPU_SCALAR);
    hgnCpuSetLevel(best);
    assert_string_equal(hgnCpuLevelName(HGN_CPU_AVX2), "avx2");
    if (best >= HGN_CPU_AVX2) assert_true(hgnCpuFeatures()->avx2 && hgnCpuFeatures()->fma && hgnCpuFeatures()->f16c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testF16RoundTripExhaustive),
        cmocka_unit_test(testF16Rounding),
        cmocka_unit_test(testF16MatchesHardware),
        cmocka_unit_test(testBlockLayouts),
        cmocka_unit_test(testReferenceQuantisers),
        cmocka_unit_test(testDequantizeErrors),
        cmocka_unit_test(testActivationQuantiser),
        cmocka_unit_test(testDequantizeLevels),
        cmocka_unit_test(testCpuLevels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
