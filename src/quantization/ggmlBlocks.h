/* ggmlBlocks.h — ggml's block layouts and reference (de)quantisers for the
 * GGUF weight types Huginn writes: F32, F16, BF16, Q8_0, Q4_0 and Q4_1.
 *
 * Quantisation is bit-exact with ggml's quantize_row_*_ref (ggml-quants.c),
 * the functions llama.cpp uses to create model files; fp16 scales are
 * rounded to nearest even as ggml's GGML_FP32_TO_FP16 does. Blocks are
 * written as little-endian bytes (no structs, so no padding questions):
 *   Q8_0 (34 B): fp16 d, int8 qs[32]                      x = d * q
 *   Q4_0 (18 B): fp16 d, u8 qs[16]                        x = d * (q - 8)
 *   Q4_1 (20 B): fp16 d, fp16 m, u8 qs[16]                x = d * q + m
 * where byte j of qs holds element j in its low nibble and element j + 16 in
 * its high nibble. A row's element count must be a multiple of 32 for the
 * block types. Non-finite input to a quantiser is an error (ggml's
 * behaviour on it is undefined). */
#ifndef HGN_QUANTIZATION_GGMLBLOCKS_H
#define HGN_QUANTIZATION_GGMLBLOCKS_H

#include <stdint.h>

#include "huginn/dtype.h"
#include "huginn/status.h"

#define HGN_GGML_QK         32 /* elements per Q8_0 / Q4_0 / Q4_1 block */
#define HGN_GGML_Q8_0_BYTES 34
#define HGN_GGML_Q4_0_BYTES 18
#define HGN_GGML_Q4_1_BYTES 20

/* IEEE binary16 / bfloat16 bit patterns ↔ float. To-half conversions round
 * to nearest even, overflow to ±inf and keep NaN a (quiet) NaN. */
uint16_t hgnGgmlFp32ToFp16(float f);
float hgnGgmlFp16ToFp32(uint16_t h);
uint16_t hgnGgmlFp32ToBf16(float f);
float hgnGgmlBf16ToFp32(uint16_t h);

/* Whether hgnGgmlQuantizeRow / hgnGgmlDequantizeRow handle this type. */
bool hgnGgmlRowTypeSupported(HgnDtype type);

/* Converts n floats of x into one row of `type` at dst, which must hold
 * hgnDtypeTryBytes(type, n) bytes. Errors: UnsupportedDtype (103) for other
 * types; InvalidArgument (15) when n is negative or not a multiple of the
 * block size; QuantizationFailed (700) naming the element when a block type
 * meets a NaN or infinity. dst is unspecified after an error. */
HGN_NODISCARD HgnStatus hgnGgmlQuantizeRow(HgnDtype type, const float *x, int64_t n, void *dst);

/* Converts one row of n elements of `type` at src back to floats. Errors as
 * above (no finiteness check: stored values are decoded as they are). */
HGN_NODISCARD HgnStatus hgnGgmlDequantizeRow(HgnDtype type, const void *src, int64_t n, float *y);

#endif
