/* ggmlBlocks.c — ggml's reference block quantisers and dequantisers (Q8_0,
 * Q4_0, Q4_1) and the fp16 / bf16 element conversions, bit-exact with
 * ggml-quants.c's quantize_row_*_ref so that files Huginn writes hold the
 * same bytes llama.cpp's own tools would write. */
#include "quantization/ggmlBlocks.h"

#include <float.h>
#include <math.h>
#include <string.h>

static uint32_t floatBits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bitsFloat(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* ---- element conversions ------------------------------------------------ */

uint16_t hgnGgmlFp32ToFp16(float f) {
    uint32_t x = floatBits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t a = x & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((a >> 13) & 0x3ffu)); /* NaN stays NaN (quiet) */
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);                       /* ≥ 65520 rounds to infinity */
    uint32_t e = a >> 23, mant = a & 0x7fffffu;
    if (e < 113) {                /* below 2^-14: a subnormal half, or zero */
        if (e < 102) return sign; /* below 2^-25: rounds to zero (2^-25 itself is a tie to even 0) */
        uint32_t m = mant | 0x800000u, shift = 126 - e;
        uint32_t h = m >> shift, rem = m & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
        if (rem > halfway || (rem == halfway && (h & 1u))) h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((e - 112) << 10) | (mant >> 13), rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++; /* a carry into the exponent is still right */
    return (uint16_t)(sign | h);
}

float hgnGgmlFp16ToFp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) {
        if (m == 0) return bitsFloat(sign);
        /* subnormal: m · 2^-24, exact in float */
        float v = (float)m * 0x1p-24f;
        return sign ? -v : v;
    }
    if (e == 31) return bitsFloat(sign | 0x7f800000u | (m << 13));
    return bitsFloat(sign | ((e + 112) << 23) | (m << 13));
}

uint16_t hgnGgmlFp32ToBf16(float f) {
    uint32_t x = floatBits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 64u); /* NaN, forced quiet */
    return (uint16_t)((x + (0x7fffu + ((x >> 16) & 1u))) >> 16);
}

float hgnGgmlBf16ToFp32(uint16_t h) { return bitsFloat((uint32_t)h << 16); }

/* ---- little-endian byte access -------------------------------------------- */

static void putU16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v & 0xffu);
    p[1] = (uint8_t)(v >> 8);
}

static uint16_t getU16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

static void putF32(uint8_t *p, float f) {
    uint32_t u = floatBits(f);
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(u >> (8 * i));
}

static float getF32(const uint8_t *p) {
    return bitsFloat((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}

/* ---- reference quantisers (one block each) --------------------------------- */

static void quantizeBlockQ8_0(const float *x, uint8_t *y) {
    float amax = 0.0f;
    for (int j = 0; j < HGN_GGML_QK; j++) amax = fmaxf(amax, fabsf(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    putU16(y, hgnGgmlFp32ToFp16(d));
    for (int j = 0; j < HGN_GGML_QK; j++) {
        const float x0 = x[j] * id;
        y[2 + j] = (uint8_t)(int8_t)roundf(x0);
    }
}

static void quantizeBlockQ4_0(const float *x, uint8_t *y) {
    float amax = 0.0f, max = 0.0f; /* max keeps the sign of the element with the largest magnitude */
    for (int j = 0; j < HGN_GGML_QK; j++) {
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    putU16(y, hgnGgmlFp32ToFp16(d));
    for (int j = 0; j < HGN_GGML_QK / 2; j++) {
        const float x0 = x[j] * id, x1 = x[HGN_GGML_QK / 2 + j] * id;
        int8_t q0 = (int8_t)(x0 + 8.5f), q1 = (int8_t)(x1 + 8.5f); /* truncation, as ggml does */
        if (q0 > 15) q0 = 15;
        if (q1 > 15) q1 = 15;
        y[2 + j] = (uint8_t)((uint8_t)q0 | ((uint8_t)q1 << 4));
    }
}

static void quantizeBlockQ4_1(const float *x, uint8_t *y) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < HGN_GGML_QK; j++) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    putU16(y, hgnGgmlFp32ToFp16(d));
    putU16(y + 2, hgnGgmlFp32ToFp16(min));
    for (int j = 0; j < HGN_GGML_QK / 2; j++) {
        const float x0 = (x[j] - min) * id, x1 = (x[HGN_GGML_QK / 2 + j] - min) * id;
        int8_t q0 = (int8_t)(x0 + 0.5f), q1 = (int8_t)(x1 + 0.5f);
        if (q0 > 15) q0 = 15;
        if (q1 > 15) q1 = 15;
        y[4 + j] = (uint8_t)((uint8_t)q0 | ((uint8_t)q1 << 4));
    }
}

static void dequantizeBlockQ8_0(const uint8_t *b, float *y) {
    const float d = hgnGgmlFp16ToFp32(getU16(b));
    for (int j = 0; j < HGN_GGML_QK; j++) y[j] = (float)(int8_t)b[2 + j] * d;
}

static void dequantizeBlockQ4_0(const uint8_t *b, float *y) {
    const float d = hgnGgmlFp16ToFp32(getU16(b));
    for (int j = 0; j < HGN_GGML_QK / 2; j++) {
        const int x0 = (b[2 + j] & 0x0f) - 8, x1 = (b[2 + j] >> 4) - 8;
        y[j] = (float)x0 * d;
        y[j + HGN_GGML_QK / 2] = (float)x1 * d;
    }
}

static void dequantizeBlockQ4_1(const uint8_t *b, float *y) {
    const float d = hgnGgmlFp16ToFp32(getU16(b)), m = hgnGgmlFp16ToFp32(getU16(b + 2));
    for (int j = 0; j < HGN_GGML_QK / 2; j++) {
        const int x0 = b[4 + j] & 0x0f, x1 = b[4 + j] >> 4;
        y[j] = (float)x0 * d + m;
        y[j + HGN_GGML_QK / 2] = (float)x1 * d + m;
    }
}

/* ---- rows ---------------------------------------------------------------------- */

bool hgnGgmlRowTypeSupported(HgnDtype type) {
    switch (type) {
    case HGN_DTYPE_F32:
    case HGN_DTYPE_F16:
    case HGN_DTYPE_BF16:
    case HGN_DTYPE_Q8_0:
    case HGN_DTYPE_Q4_0:
    case HGN_DTYPE_Q4_1:
        return true;
    default:
        return false;
    }
}

static HgnStatus checkRow(HgnDtype type, int64_t n, const char *where) {
    if (!hgnGgmlRowTypeSupported(type))
        return hgnStatusNew(HGN_CODE_UnsupportedDtype, where, "use f32, f16, bf16, q8_0, q4_0 or q4_1",
                            "ggml row conversion does not handle type %s", hgnDtypeName(type));
    const uint32_t bs = hgnDtypeInfo(type)->blockSize;
    if (n < 0 || n % bs != 0)
        return hgnStatusNew(HGN_CODE_InvalidArgument, where, "pad or reshape the row to a multiple of the block size",
                            "a %s row needs a non-negative multiple of %u elements, got %lld", hgnDtypeName(type), bs,
                            (long long)n);
    return HGN_OK;
}

HgnStatus hgnGgmlQuantizeRow(HgnDtype type, const float *x, int64_t n, void *dst) {
    HgnStatus st = checkRow(type, n, "hgnGgmlQuantizeRow");
    if (st) return st;
    uint8_t *out = dst;
    switch (type) {
    case HGN_DTYPE_F32:
        for (int64_t i = 0; i < n; i++) putF32(out + 4 * i, x[i]);
        return HGN_OK;
    case HGN_DTYPE_F16:
        for (int64_t i = 0; i < n; i++) putU16(out + 2 * i, hgnGgmlFp32ToFp16(x[i]));
        return HGN_OK;
    case HGN_DTYPE_BF16:
        for (int64_t i = 0; i < n; i++) putU16(out + 2 * i, hgnGgmlFp32ToBf16(x[i]));
        return HGN_OK;
    default:
        break;
    }
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return hgnStatusNew(HGN_CODE_QuantizationFailed, "hgnGgmlQuantizeRow",
                                "check the weights for overflow before quantising",
                                "element %lld of the row is %s; %s blocks need finite values", (long long)i,
                                isnan(x[i]) ? "NaN" : "infinite", hgnDtypeName(type));
    }
    const int64_t nb = n / HGN_GGML_QK;
    const uint32_t bpb = hgnDtypeInfo(type)->bytesPerBlock;
    for (int64_t b = 0; b < nb; b++) {
        const float *xb = x + b * HGN_GGML_QK;
        uint8_t *yb = out + (size_t)b * bpb;
        if (type == HGN_DTYPE_Q8_0)
            quantizeBlockQ8_0(xb, yb);
        else if (type == HGN_DTYPE_Q4_0)
            quantizeBlockQ4_0(xb, yb);
        else
            quantizeBlockQ4_1(xb, yb);
    }
    return HGN_OK;
}

HgnStatus hgnGgmlDequantizeRow(HgnDtype type, const void *src, int64_t n, float *y) {
    HgnStatus st = checkRow(type, n, "hgnGgmlDequantizeRow");
    if (st) return st;
    const uint8_t *in = src;
    switch (type) {
    case HGN_DTYPE_F32:
        for (int64_t i = 0; i < n; i++) y[i] = getF32(in + 4 * i);
        return HGN_OK;
    case HGN_DTYPE_F16:
        for (int64_t i = 0; i < n; i++) y[i] = hgnGgmlFp16ToFp32(getU16(in + 2 * i));
        return HGN_OK;
    case HGN_DTYPE_BF16:
        for (int64_t i = 0; i < n; i++) y[i] = hgnGgmlBf16ToFp32(getU16(in + 2 * i));
        return HGN_OK;
    default:
        break;
    }
    const int64_t nb = n / HGN_GGML_QK;
    const uint32_t bpb = hgnDtypeInfo(type)->bytesPerBlock;
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *blk = in + (size_t)b * bpb;
        float *yb = y + b * HGN_GGML_QK;
        if (type == HGN_DTYPE_Q8_0)
            dequantizeBlockQ8_0(blk, yb);
        else if (type == HGN_DTYPE_Q4_0)
            dequantizeBlockQ4_0(blk, yb);
        else
            dequantizeBlockQ4_1(blk, yb);
    }
    return HGN_OK;
}
