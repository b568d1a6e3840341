/* formats.h — what every model-file reader of Huginn has in common: the
 * tensor view (HgnTensorView) that GGUF, safetensors and Hugging Face model
 * folders all hand out. Element types are HgnDtype (huginn/dtype.h).
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

#include "huginn/dtype.h"
#include "huginn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

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
