/* writerTensors.c — the model writers' tensor list (see writerTensors.h). */
#include "formats/writerTensors.h"

#include <string.h>

#include "core/alloc.h"

bool hgnWriterShapeElements(int nDims, const int64_t *shape, int64_t *out) {
    int64_t n = 1;
    for (int d = 0; d < nDims; d++)
        if (shape[d] < 0 || __builtin_mul_overflow(n, shape[d], &n)) return false;
    *out = n;
    return true;
}

HgnStatus hgnWriterTensorsAdd(HgnWriterTensors *list, HgnArena *arena, const char *who, const char *name,
                              size_t nameLen, HgnDtype dtype, int nDims, const int64_t *shape, uint64_t nBytes,
                              const void *data, HgnWriterTensor **out) {
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->items[i].name, name) == 0)
            return hgnStatusNew(HGN_CODE_InvalidArgument, name, NULL, "tensor '%s' is already added", name);
    if (list->count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 64;
        HgnWriterTensor *p = hgnRealloc(list->items, cap * sizeof *p);
        if (!p) return hgnStatusNew(HGN_CODE_OutOfMemory, who, NULL, "out of memory");
        list->items = p;
        list->cap = cap;
    }
    HgnWriterTensor *t = &list->items[list->count];
    t->name = hgnArenaStrndup(arena, name, nameLen);
    if (!t->name) return hgnStatusNew(HGN_CODE_OutOfMemory, who, NULL, "out of memory");
    t->dtype = dtype;
    t->nDims = nDims;
    for (int d = 0; d < nDims; d++) t->shape[d] = shape[d];
    t->nBytes = nBytes;
    t->offset = 0;
    t->data = data;
    list->count++;
    *out = t;
    return HGN_OK;
}

uint64_t hgnWriterTensorsBytes(const HgnWriterTensors *list) {
    uint64_t n = 0;
    for (size_t i = 0; i < list->count; i++) n += list->items[i].nBytes;
    return n;
}
