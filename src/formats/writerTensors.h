/* writerTensors.h — the tensor list the GGUF and safetensors writers keep:
 * unique names copied into the writer's arena, checked shapes, sizes in
 * bytes, and each tensor's offset in the data section. */
#ifndef HGN_FORMATS_WRITERTENSORS_H
#define HGN_FORMATS_WRITERTENSORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "huginn/dtype.h"
#include "huginn/formats.h"
#include "huginn/status.h"

typedef struct HgnWriterTensor {
    const char *name; /* in the writer's arena */
    HgnDtype dtype;
    int nDims;
    int64_t shape[HGN_MAX_DIMS];
    uint64_t nBytes;
    uint64_t offset;  /* within the data section, assigned by the writer */
    const void *data; /* borrowed; NULL writes zeros */
} HgnWriterTensor;

typedef struct HgnWriterTensors {
    HgnWriterTensor *items;
    size_t count, cap;
} HgnWriterTensors;

/* Element count of shape[0..nDims); false when a dimension is negative or
 * the product overflows int64. */
bool hgnWriterShapeElements(int nDims, const int64_t *shape, int64_t *out);

/* Appends a tensor named name[0..nameLen) unless that name is already added
 * (HGN_CODE_InvalidArgument "tensor '<name>' is already added"); out of
 * memory is HGN_CODE_OutOfMemory at who. *out is the new entry, offset 0. */
HGN_NODISCARD HgnStatus hgnWriterTensorsAdd(HgnWriterTensors *list, HgnArena *arena, const char *who, const char *name,
                                            size_t nameLen, HgnDtype dtype, int nDims, const int64_t *shape,
                                            uint64_t nBytes, const void *data, HgnWriterTensor **out);

/* Sum of every tensor's nBytes. */
uint64_t hgnWriterTensorsBytes(const HgnWriterTensors *list);

#endif
