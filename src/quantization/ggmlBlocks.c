/* ggmlBlocks.c — checked row conversion for file writers: F32/F16/BF16 and
 * ggml's Q8_0/Q4_0/Q4_1 blocks, bit-exact with ggml-quants.c's
 * quantize_row_*_ref (tools/ggmlCompare proves it against libggml) so files
 * Huginn writes hold the bytes llama.cpp's own tools would write. */
#include "quantization/ggmlBlocks.h"

#include "runtime/cpu/kernels.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* The conversions and block codecs themselves are the runtime kernels' (src/runtime/cpu/kernelsQuant.c,
 * one implementation for the whole project); this file adds what a file writer needs on top: checks of
 * the type, the row length and finiteness, with HGN errors. */
uint16_t hgnGgmlFp32ToFp16(float f) { return hgnF32ToF16(f); }
float hgnGgmlFp16ToFp32(uint16_t h) { return hgnF16ToF32(h); }
uint16_t hgnGgmlFp32ToBf16(float f) { return hgnF32ToBf16(f); }
float hgnGgmlBf16ToFp32(uint16_t h) { return hgnBf16ToF32(h); }

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
        memcpy(out, x, (size_t)n * sizeof(float));
        return HGN_OK;
    case HGN_DTYPE_F16:
        for (int64_t i = 0; i < n; i++) ((uint16_t *)dst)[i] = hgnF32ToF16(x[i]);
        return HGN_OK;
    case HGN_DTYPE_BF16:
        for (int64_t i = 0; i < n; i++) ((uint16_t *)dst)[i] = hgnF32ToBf16(x[i]);
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
    if (type == HGN_DTYPE_Q8_0)
        hgnQuantizeRowQ8_0(x, (HgnBlockQ8_0 *)dst, n);
    else if (type == HGN_DTYPE_Q4_0)
        hgnQuantizeRowQ4_0(x, (HgnBlockQ4_0 *)dst, n);
    else
        hgnQuantizeRowQ4_1(x, (HgnBlockQ4_1 *)dst, n);
    return HGN_OK;
}

HgnStatus hgnGgmlDequantizeRow(HgnDtype type, const void *src, int64_t n, float *y) {
    HgnStatus st = checkRow(type, n, "hgnGgmlDequantizeRow");
    if (st) return st;
    return hgnDequantizeRow(type, src, y, n);
}
