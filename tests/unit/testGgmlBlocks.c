/* testGgmlBlocks.c — ggml reference block quantisers and element
 * conversions: exact bytes for known inputs (expected values computed
 * independently from ggml's quantize_row_*_ref formulas in IEEE single
 * precision), every fp16 bit pattern round-tripped, error bounds on random
 * rows, and the errors for bad arguments. */
#include "formatsFixtures.h"

#include <math.h>

#include "quantization/ggmlBlocks.h"

/* x[j] = j * 0.3f - 5.0f, j = 0..31 */
static void rampInput(float *x) {
    for (int j = 0; j < 32; j++) x[j] = (float)j * 0.3f - 5.0f;
}

static uint64_t rngState = 0x9e3779b97f4a7c15ull;
static float rngUniform(void) { /* xorshift64*, uniform in [-1, 1) */
    rngState ^= rngState >> 12;
    rngState ^= rngState << 25;
    rngState ^= rngState >> 27;
    uint64_t r = rngState * 0x2545f4914f6cdd1dull;
    return (float)((double)(r >> 11) * 0x1p-53 * 2.0 - 1.0);
}

/* ---- element conversions ------------------------------------------------------ */

static void testFp16KnownValues(void **state) {
    (void)state;
    assert_int_equal(hgnGgmlFp32ToFp16(0.0f), 0x0000);
    assert_int_equal(hgnGgmlFp32ToFp16(-0.0f), 0x8000);
    assert_int_equal(hgnGgmlFp32ToFp16(1.0f), 0x3c00);
    assert_int_equal(hgnGgmlFp32ToFp16(-2.0f), 0xc000);
    assert_int_equal(hgnGgmlFp32ToFp16(0.1f), 0x2e66);
    assert_int_equal(hgnGgmlFp32ToFp16(65504.0f), 0x7bff);
    assert_int_equal(hgnGgmlFp32ToFp16(65519.996f), 0x7bff);
    assert_int_equal(hgnGgmlFp32ToFp16(65520.0f), 0x7c00); /* the tie rounds to even: infinity */
    assert_int_equal(hgnGgmlFp32ToFp16(-1e9f), 0xfc00);
    assert_int_equal(hgnGgmlFp32ToFp16(INFINITY), 0x7c00);
    assert_int_equal(hgnGgmlFp32ToFp16(1.0f + 0x1p-11f), 0x3c00);     /* tie, even stays */
    assert_int_equal(hgnGgmlFp32ToFp16(1.0f + 3 * 0x1p-11f), 0x3c02); /* tie, odd rounds up */
    assert_int_equal(hgnGgmlFp32ToFp16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);
    assert_int_equal(hgnGgmlFp32ToFp16(0x1p-14f), 0x0400); /* smallest normal */
    assert_int_equal(hgnGgmlFp32ToFp16(0x1p-24f), 0x0001); /* smallest subnormal */
    assert_int_equal(hgnGgmlFp32ToFp16(0x1p-25f), 0x0000); /* tie to even zero */
    assert_int_equal(hgnGgmlFp32ToFp16(0x1.8p-25f), 0x0001);
    assert_int_equal(hgnGgmlFp32ToFp16(3 * 0x1p-25f), 0x0002); /* 1.5 units: tie to even 2 */
    assert_int_equal(hgnGgmlFp32ToFp16(0x1p-30f), 0x0000);
    assert_int_equal(hgnGgmlFp32ToFp16(0x1.ffcp-15f), 0x0400); /* rounds up into the normals */
    uint16_t nan = hgnGgmlFp32ToFp16(NAN);
    assert_int_equal(nan & 0x7c00, 0x7c00);
    assert_true((nan & 0x3ff) != 0);
    assert_true(isnan(hgnGgmlFp16ToFp32(nan)));
    assert_true(hgnGgmlFp16ToFp32(0x0001) == 0x1p-24f);
    assert_true(hgnGgmlFp16ToFp32(0x83ff) == -0x1.ff8p-15f);
    assert_true(hgnGgmlFp16ToFp32(0x7bff) == 65504.0f);
    assert_true(isinf(hgnGgmlFp16ToFp32(0xfc00)) && hgnGgmlFp16ToFp32(0xfc00) < 0);
}

static void testFp16AllPatternsRoundTrip(void **state) {
    (void)state;
    for (uint32_t h = 0; h < 0x10000u; h++) {
        float f = hgnGgmlFp16ToFp32((uint16_t)h);
        if (isnan(f)) {
            assert_true((h & 0x7c00) == 0x7c00 && (h & 0x3ff));
            continue;
        }
        if (hgnGgmlFp32ToFp16(f) != h) fail_msg("fp16 0x%04x -> %a -> 0x%04x", h, (double)f, hgnGgmlFp32ToFp16(f));
    }
    /* Every value halfway between two adjacent positive halves rounds to the even one. */
    for (uint32_t h = 0; h < 0x7bffu; h++) {
        float lo = hgnGgmlFp16ToFp32((uint16_t)h), hi = hgnGgmlFp16ToFp32((uint16_t)(h + 1));
        float mid = lo + (hi - lo) / 2; /* exact in float */
        uint16_t want = (h & 1u) ? (uint16_t)(h + 1) : (uint16_t)h;
        if (hgnGgmlFp32ToFp16(mid) != want) fail_msg("midpoint of 0x%04x rounds to 0x%04x", h, hgnGgmlFp32ToFp16(mid));
    }
}

static void testBf16(void **state) {
    (void)state;
    assert_int_equal(hgnGgmlFp32ToBf16(1.0f), 0x3f80);
    assert_int_equal(hgnGgmlFp32ToBf16(-2.0f), 0xc000);
    assert_int_equal(hgnGgmlFp32ToBf16(1.0f + 0x1p-8f), 0x3f80);            /* tie, even stays */
    assert_int_equal(hgnGgmlFp32ToBf16(1.0f + 3 * 0x1p-8f), 0x3f82);        /* tie, odd rounds up */
    assert_int_equal(hgnGgmlFp32ToBf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81); /* above the tie */
    assert_int_equal(hgnGgmlFp32ToBf16(INFINITY), 0x7f80);
    assert_true(isnan(hgnGgmlBf16ToFp32(hgnGgmlFp32ToBf16(NAN))));
    assert_true(hgnGgmlBf16ToFp32(0x3f80) == 1.0f);
    assert_true(hgnGgmlBf16ToFp32(0xc0a0) == -5.0f);
}

/* ---- exact bytes ----------------------------------------------------------------- */

static void testQ8_0ExactBytes(void **state) {
    (void)state;
    float x[32];
    rampInput(x);
    static const uint8_t want[34] = {0x0a, 0x29, 0x81, 0x89, 0x90, 0x98, 0x9f, 0xa7, 0xaf, 0xb6, 0xbe, 0xc6,
                                     0xcd, 0xd5, 0xdc, 0xe4, 0xec, 0xf3, 0xfb, 0x03, 0x0a, 0x12, 0x19, 0x21,
                                     0x29, 0x30, 0x38, 0x40, 0x47, 0x4f, 0x56, 0x5e, 0x66, 0x6d};
    uint8_t got[34];
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q8_0, x, 32, got));
    assert_memory_equal(got, want, sizeof want);

    /* amax 127 gives d = 1 (fp16 0x3c00) and q = x. */
    for (int j = 0; j < 32; j++) x[j] = (float)(j * 8 - 127);
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q8_0, x, 32, got));
    assert_int_equal(got[0], 0x00);
    assert_int_equal(got[1], 0x3c);
    for (int j = 0; j < 32; j++) assert_int_equal((int8_t)got[2 + j], j * 8 - 127);

    /* Round half away from zero: 0.5 · d → 1, -0.5 · d → -1 (roundf, not rint). */
    memset(x, 0, sizeof x);
    x[0] = 127.0f, x[1] = 0.5f, x[2] = -0.5f, x[3] = 2.5f;
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q8_0, x, 32, got));
    assert_int_equal((int8_t)got[3], 1);
    assert_int_equal((int8_t)got[4], -1);
    assert_int_equal((int8_t)got[5], 3);
}

static void testQ4_0ExactBytes(void **state) {
    (void)state;
    float x[32];
    rampInput(x);
    static const uint8_t want[18] = {0x00, 0x39, 0x80, 0x80, 0x91, 0x91, 0xa2, 0xa2, 0xb3,
                                     0xb3, 0xc4, 0xc4, 0xc5, 0xd5, 0xd6, 0xe6, 0xe7, 0xf7};
    uint8_t got[18];
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_0, x, 32, got));
    assert_memory_equal(got, want, sizeof want);

    /* The element of largest magnitude is -8: d = 1; q = x + 8 in both nibbles. */
    for (int j = 0; j < 32; j++) x[j] = (float)(j % 16) - 8.0f;
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_0, x, 32, got));
    assert_int_equal(got[0], 0x00);
    assert_int_equal(got[1], 0x3c);
    for (int j = 0; j < 16; j++) assert_int_equal(got[2 + j], j * 0x11);

    /* Largest magnitude positive: d = -1 (0xbc00), the sign flips the codes. */
    for (int j = 0; j < 32; j++) x[j] = 8.0f - (float)(j % 16);
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_0, x, 32, got));
    assert_int_equal(got[0], 0x00);
    assert_int_equal(got[1], 0xbc);
    for (int j = 0; j < 16; j++) assert_int_equal(got[2 + j], j * 0x11);

    /* The opposite extreme clamps to 15: x = +8 with d = 1 would be code 16. */
    for (int j = 0; j < 32; j++) x[j] = 0.0f;
    x[0] = -8.0f, x[16] = 8.0f;
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_0, x, 32, got));
    assert_int_equal(got[2], 0xf0);
    assert_int_equal(got[3], 0x88);

    /* First of equal magnitudes wins: +8 before -8 gives d = -1. */
    x[0] = 8.0f, x[16] = -8.0f;
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_0, x, 32, got));
    assert_int_equal(got[1], 0xbc);
}

static void testQ4_1ExactBytes(void **state) {
    (void)state;
    float x[32];
    rampInput(x);
    static const uint8_t want[20] = {0xf6, 0x38, 0x00, 0xc5, 0x80, 0x80, 0x91, 0x91, 0xa2, 0xa2,
                                     0xb3, 0xb3, 0xc4, 0xc4, 0xd5, 0xd5, 0xe6, 0xe6, 0xf7, 0xf7};
    uint8_t got[20];
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_1, x, 32, got));
    assert_memory_equal(got, want, sizeof want);
}

static void testZeroBlocks(void **state) {
    (void)state;
    float x[64] = {0};
    uint8_t q8[68], q4[36], q41[40];
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q8_0, x, 64, q8));
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_0, x, 64, q4));
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_1, x, 64, q41));
    for (int i = 0; i < 68; i++) assert_int_equal(q8[i], 0);
    for (int b = 0; b < 2; b++) {
        assert_int_equal(q4[18 * b], 0x00); /* d = 0 / -8 = -0.0: fp16 0x8000, as ggml writes it */
        assert_int_equal(q4[18 * b + 1], 0x80);
        for (int j = 0; j < 16; j++) assert_int_equal(q4[18 * b + 2 + j], 0x88); /* code 8 = zero */
    }
    float y[64];
    for (int t = 0; t < 3; t++) {
        HgnDtype ty = t == 0 ? HGN_DTYPE_Q8_0 : t == 1 ? HGN_DTYPE_Q4_0 : HGN_DTYPE_Q4_1;
        const void *src = t == 0 ? (const void *)q8 : t == 1 ? (const void *)q4 : (const void *)q41;
        assertOk(hgnGgmlDequantizeRow(ty, src, 64, y));
        for (int i = 0; i < 64; i++) assert_true(y[i] == 0.0f);
    }
}

static void testDequantizeKnownBytes(void **state) {
    (void)state;
    uint8_t q8[34] = {0x00, 0x38}; /* d = 0.5 */
    for (int j = 0; j < 32; j++) q8[2 + j] = (uint8_t)(int8_t)(j - 16);
    float y[32];
    assertOk(hgnGgmlDequantizeRow(HGN_DTYPE_Q8_0, q8, 32, y));
    for (int j = 0; j < 32; j++) assert_true(y[j] == 0.5f * (float)(j - 16));

    uint8_t q4[18] = {0x00, 0x40}; /* d = 2 */
    for (int j = 0; j < 16; j++) q4[2 + j] = (uint8_t)(j | ((15 - j) << 4));
    assertOk(hgnGgmlDequantizeRow(HGN_DTYPE_Q4_0, q4, 32, y));
    for (int j = 0; j < 16; j++) {
        assert_true(y[j] == 2.0f * (float)(j - 8));
        assert_true(y[16 + j] == 2.0f * (float)(7 - j));
    }

    uint8_t q41[20] = {0x00, 0x3c, 0x00, 0xc0}; /* d = 1, m = -2 */
    for (int j = 0; j < 16; j++) q41[4 + j] = (uint8_t)(j | (j << 4));
    assertOk(hgnGgmlDequantizeRow(HGN_DTYPE_Q4_1, q41, 32, y));
    for (int j = 0; j < 32; j++) assert_true(y[j] == (float)(j % 16) - 2.0f);
}

/* ---- round-trip error bounds ---------------------------------------------------- */

static void testRoundTripBounds(void **state) {
    (void)state;
    enum { N = 32 * 512 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    uint8_t *q = malloc(N * 4);
    assert_non_null(x), assert_non_null(y), assert_non_null(q);
    for (int i = 0; i < N; i++) {
        float scale = (float)(1 + (i / 32) % 7) * ((i / 32) % 3 == 0 ? 1e-3f : 1.0f);
        x[i] = rngUniform() * scale;
    }
    double worst[3] = {0};
    const HgnDtype types[3] = {HGN_DTYPE_Q8_0, HGN_DTYPE_Q4_0, HGN_DTYPE_Q4_1};
    for (int t = 0; t < 3; t++) {
        assertOk(hgnGgmlQuantizeRow(types[t], x, N, q));
        assertOk(hgnGgmlDequantizeRow(types[t], q, N, y));
        for (int b = 0; b < N / 32; b++) {
            float amax = 0, mn = x[b * 32], mx = x[b * 32];
            for (int j = 0; j < 32; j++) {
                float v = x[b * 32 + j];
                amax = fmaxf(amax, fabsf(v));
                mn = fminf(mn, v);
                mx = fmaxf(mx, v);
            }
            /* half a step (Q4_0: a whole step, the opposite extreme may clamp), plus the fp16 rounding of
             * the scale times the largest code: 2^-11 relative, or 2^-25 absolute for subnormal halves */
            double d = t == 0 ? amax / 127.0 : t == 1 ? amax / 8.0 : (mx - mn) / 15.0;
            double codes = t == 0 ? 127 : t == 1 ? 8 : 15;
            double scaleErr = codes * fmax(d * 0x1p-11, 0x1p-25) * 1.01;
            double bound = (t == 1 ? d : d * 0.5) + scaleErr + (t == 2 ? fmax(fabs(mn) * 0x1p-11, 0x1p-25) : 0);
            for (int j = 0; j < 32; j++) {
                double err = fabs((double)x[b * 32 + j] - (double)y[b * 32 + j]);
                if (err > bound)
                    fail_msg("%s block %d element %d: |%g - %g| = %g > %g", hgnDtypeName(types[t]), b, j,
                             (double)x[b * 32 + j], (double)y[b * 32 + j], err, bound);
                if (amax > 0.01f && err / amax > worst[t]) worst[t] = err / amax; /* normal fp16 scales */
            }
        }
    }
    /* Q4_0 without clamping stays within half a step for most elements; check its RMS error is sane. */
    double se = 0, sx = 0;
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_0, x, N, q));
    assertOk(hgnGgmlDequantizeRow(HGN_DTYPE_Q4_0, q, N, y));
    for (int i = 0; i < N; i++) se += (x[i] - y[i]) * (double)(x[i] - y[i]), sx += x[i] * (double)x[i];
    assert_true(sqrt(se / sx) < 0.12);
    assert_true(worst[0] < 1.0 / 200.0);
    free(x), free(y), free(q);
}

static void testPlainRows(void **state) {
    (void)state;
    float x[5] = {1.0f, -0.1f, 65504.0f, 3.14159f, -0.0f}, y[5];
    uint8_t b[20];
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_F32, x, 5, b));
    assert_int_equal(b[0], 0x00), assert_int_equal(b[3], 0x3f); /* 1.0f little-endian */
    assertOk(hgnGgmlDequantizeRow(HGN_DTYPE_F32, b, 5, y));
    assert_memory_equal(x, y, sizeof x);
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_F16, x, 5, b));
    assert_int_equal(b[0], 0x00), assert_int_equal(b[1], 0x3c);
    assert_int_equal(b[4], 0xff), assert_int_equal(b[5], 0x7b);
    assertOk(hgnGgmlDequantizeRow(HGN_DTYPE_F16, b, 5, y));
    assert_true(y[2] == 65504.0f && fabsf(y[3] - 3.14159f) < 2e-3f && y[1] == hgnGgmlFp16ToFp32(0xae66));
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_BF16, x, 5, b));
    assert_int_equal(b[0], 0x80), assert_int_equal(b[1], 0x3f);
    assertOk(hgnGgmlDequantizeRow(HGN_DTYPE_BF16, b, 5, y));
    assert_true(y[0] == 1.0f && fabsf(y[3] - 3.14159f) < 2e-2f);
    /* Non-finite values pass through the plain types. */
    x[0] = INFINITY;
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_F16, x, 5, b));
    assert_int_equal(b[1], 0x7c);
}

/* ---- bad arguments ---------------------------------------------------------------- */

static void testBadArguments(void **state) {
    (void)state;
    float x[64] = {0};
    uint8_t q[80];
    expectError(hgnGgmlQuantizeRow(HGN_DTYPE_Q8_0, x, 33, q), HGN_CODE_InvalidArgument, "q8_0", "multiple of 32", "33");
    expectError(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_0, x, -32, q), HGN_CODE_InvalidArgument, "q4_0", "-32");
    expectError(hgnGgmlDequantizeRow(HGN_DTYPE_Q4_1, q, 31, x), HGN_CODE_InvalidArgument, "q4_1", "31");
    expectError(hgnGgmlQuantizeRow(HGN_DTYPE_Q5_0, x, 32, q), HGN_CODE_UnsupportedDtype, "q5_0");
    expectError(hgnGgmlDequantizeRow(HGN_DTYPE_Q4_K, q, 256, x), HGN_CODE_UnsupportedDtype, "q4_K");
    expectError(hgnGgmlQuantizeRow(HGN_DTYPE_I32, x, 4, q), HGN_CODE_UnsupportedDtype, "i32");
    expectError(hgnGgmlQuantizeRow(HGN_DTYPE_F32, x, -1, q), HGN_CODE_InvalidArgument, "-1");
    x[40] = NAN;
    expectError(hgnGgmlQuantizeRow(HGN_DTYPE_Q8_0, x, 64, q), HGN_CODE_QuantizationFailed, "element 40", "NaN");
    x[40] = -INFINITY;
    expectError(hgnGgmlQuantizeRow(HGN_DTYPE_Q4_0, x, 64, q), HGN_CODE_QuantizationFailed, "element 40", "infinite");
    assert_true(hgnGgmlRowTypeSupported(HGN_DTYPE_BF16));
    assert_false(hgnGgmlRowTypeSupported(HGN_DTYPE_Q8_1));
    assert_false(hgnGgmlRowTypeSupported((HgnDtype)9999));
    /* n = 0 is an empty row, not an error */
    assertOk(hgnGgmlQuantizeRow(HGN_DTYPE_Q8_0, x, 0, q));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testFp16KnownValues),
        cmocka_unit_test(testFp16AllPatternsRoundTrip),
        cmocka_unit_test(testBf16),
        cmocka_unit_test(testQ8_0ExactBytes),
        cmocka_unit_test(testQ4_0ExactBytes),
        cmocka_unit_test(testQ4_1ExactBytes),
        cmocka_unit_test(testZeroBlocks),
        cmocka_unit_test(testDequantizeKnownBytes),
        cmocka_unit_test(testRoundTripBounds),
        cmocka_unit_test(testPlainRows),
        cmocka_unit_test(testBadArguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
