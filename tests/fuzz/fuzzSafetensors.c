/* fuzzSafetensors.c — libFuzzer target: the safetensors header parser on
 * arbitrary bytes, then a walk over every view and metadata pair. */
#include <stddef.h>
#include <stdint.h>

#include "huginn/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    HgnSafetensors *s = NULL;
    HgnStatus st = hgnSafetensorsOpenMemory(data, size, "fuzz.safetensors", &s);
    if (st) {
        if (s || !hgnStatusMessage(st)[0] || !hgnStatusWhere(st)) __builtin_trap();
        hgnStatusFree(st);
        return 0;
    }
    uint64_t end = 8 + hgnSafetensorsHeaderSize(s, 0);
    for (size_t i = 0; i < hgnSafetensorsTensorCount(s); i++) {
        const HgnTensorView *t = hgnSafetensorsTensorAt(s, i);
        if (hgnSafetensorsTensorFind(s, t->name) != t || t->offset != end) __builtin_trap();
        end += t->nBytes;
        if (t->nBytes) sink += ((const uint8_t *)t->data)[0] + ((const uint8_t *)t->data)[t->nBytes - 1];
    }
    if (end != size) __builtin_trap();
    const char *k, *v;
    for (size_t i = 0; hgnSafetensorsMetadataAt(s, 0, i, &k, &v); i++) sink += (uint8_t)k[0] + (uint8_t)v[0];
    hgnSafetensorsClose(s);
    return 0;
}
