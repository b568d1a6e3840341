/* formats.h — what every model-file reader of Huginn has in common: element
 * types (HgnDtype, covering every ggml tensor type and every safetensors
 * dtype) and the tensor view (HgnTensorView) that GGUF, safetensors and
 * Hugging Face model folders all hand out.
 *
 * Readers are lazy: they parse headers and mmap the data read-only
 * (MAP_PRIVATE); a view's `data` points into that mapping and stays valid
 * until the file/model handle that produced it is closed. Nothing copies
 * weights. Shapes are given in row-major ("PyTorch") order, outermost first;
 * GGUF stores them reversed (ggml ne[0] is the innermost, contiguous
 * dimension), and the GGUF reader and writer convert. */
#ifndef HUGINN_FORMATS_H
#define HUGINN_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element types. Values 0..39 are exactly the ggml type ids (gaps are ids
 * ggml retired: 4, 5, 31..33, 36..38); the others are Huginn's own numbers
 * for the types ggml lacks. Never renumber. */
typedef enum HgnDtype {
    HGN_DTYPE_F32 = 0,
    HGN_DTYPE_F16 = 1,
    HGN_DTYPE_Q4_0 = 2,
    HGN_DTYPE_Q4_1 = 3,
    HGN_DTYPE_Q5_0 = 6,
    HGN_DTYPE_Q5_1 = 7,
    HGN_DTYPE_Q8_0 = 8,
    HGN_DTYPE_Q8_1 = 9,
    HGN_DTYPE_Q2_K = 10,
    HGN_DTYPE_Q3_K = 11,
    HGN_DTYPE_Q4_K = 12,
    HGN_DTYPE_Q5_K = 13,
    HGN_DTYPE_Q6_K = 14,
    HGN_DTYPE_Q8_K = 15,
    HGN_DTYPE_IQ2_XXS = 16,
    HGN_DTYPE_IQ2_XS = 17,
    HGN_DTYPE_IQ3_XXS = 18,
    HGN_DTYPE_IQ1_S = 19,
    HGN_DTYPE_IQ4_NL = 20,
    HGN_DTYPE_IQ3_S = 21,
    HGN_DTYPE_IQ2_S = 22,
    HGN_DTYPE_IQ4_XS = 23,
    HGN_DTYPE_I8 = 24,
    HGN_DTYPE_I16 = 25,
    HGN_DTYPE_I32 = 26,
    HGN_DTYPE_I64 = 27,
    HGN_DTYPE_F64 = 28,
    HGN_DTYPE_IQ1_M = 29,
    HGN_DTYPE_BF16 = 30,
    HGN_DTYPE_TQ1_0 = 34,
    HGN_DTYPE_TQ2_0 = 35,
    HGN_DTYPE_MXFP4 = 39,
    /* not ggml types */
    HGN_DTYPE_BOOL = 64,
    HGN_DTYPE_U8 = 65,
    HGN_DTYPE_U16 = 66,
    HGN_DTYPE_U32 = 67,
    HGN_DTYPE_U64 = 68,
    HGN_DTYPE_F8_E4M3 = 69,
    HGN_DTYPE_F8_E5M2 = 70,
    HGN_DTYPE_F8_E8M0 = 71,
    HGN_DTYPE_F4 = 72,      /* FP4 E2M1, two per byte */
    HGN_DTYPE_F6_E2M3 = 73, /* four per three bytes */
    HGN_DTYPE_F6_E3M2 = 74,
    HGN_DTYPE_C64 = 75, /* complex64 */
    HGN_DTYPE_INVALID = -1
} HgnDtype;

typedef struct HgnDtypeInfo {
    HgnDtype dtype;
    const char *name;            /* "F32", "Q4_K", "F8_E4M3", … */
    int64_t blockSize;           /* elements per block (1 for plain types) */
    int64_t blockBytes;          /* bytes per block */
    bool quantized;              /* a ggml block-quantised type */
    int ggmlType;                /* ggml type id, -1 when ggml has none */
    const char *safetensorsName; /* safetensors dtype string, NULL when none */
} HgnDtypeInfo;

/* Table row of a dtype, NULL for a value outside the enum. */
const HgnDtypeInfo *hgnDtypeInfo(HgnDtype dtype);
/* "Q4_K" etc.; "INVALID" for unknown values. */
const char *hgnDtypeName(HgnDtype dtype);
/* Iterates all dtypes: returns false past the end. */
bool hgnDtypeAt(int index, HgnDtype *dtype);
/* ggml type id -> dtype; false for ids ggml never had or retired. */
bool hgnDtypeFromGgml(uint32_t ggmlType, HgnDtype *out);
/* safetensors dtype string -> dtype; false when unknown. */
bool hgnDtypeFromSafetensors(const char *name, HgnDtype *out);
/* Case-insensitive lookup by Huginn name ("q4_k", "bf16"); false when unknown. */
bool hgnDtypeFromName(const char *name, HgnDtype *out);
/* Bytes of nElements elements: false when nElements is negative, not a
 * multiple of the block size, or the byte count overflows. */
bool hgnDtypeBytes(HgnDtype dtype, int64_t nElements, uint64_t *out);

#define HGN_MAX_DIMS 8

/* A tensor inside a mapped model file. All pointers are borrowed from the
 * handle that produced the view. */
typedef struct HgnTensorView {
    const char *name; /* NUL-terminated */
    HgnDtype dtype;
    int nDims;                   /* 0 for a scalar */
    int64_t shape[HGN_MAX_DIMS]; /* row-major: shape[nDims-1] is contiguous */
    int64_t nElements;           /* product of shape (1 for a scalar) */
    uint64_t offset;             /* byte offset of the data from the start of its file */
    uint64_t nBytes;             /* size of the data in bytes */
    const void *data;            /* into the read-only mapping; never written */
    int fileIndex;               /* which file of a sharded checkpoint (0 otherwise) */
} HgnTensorView;

#ifdef __cplusplus
}
#endif
#endif
