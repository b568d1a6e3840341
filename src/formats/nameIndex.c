/* nameIndex.c — name → index hash table (see nameIndex.h). */
#include "formats/nameIndex.h"

#include <string.h>

#include "core/alloc.h"

static uint64_t hashName(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

bool hgnNameIndexInit(HgnNameIndex *ix, size_t n, HgnNameOf nameOf, const void *ctx) {
    ix->slots = NULL;
    ix->mask = 0;
    ix->nameOf = nameOf;
    ix->ctx = ctx;
    if (n >= UINT32_MAX / 2) return false;
    size_t cap = 16;
    while (cap < n * 2) cap *= 2;
    ix->slots = hgnCalloc(cap, sizeof *ix->slots);
    if (!ix->slots) return false;
    ix->mask = cap - 1;
    return true;
}

void hgnNameIndexFree(HgnNameIndex *ix) {
    hgnFree(ix->slots);
    ix->slots = NULL;
    ix->mask = 0;
}

int64_t hgnNameIndexInsert(HgnNameIndex *ix, size_t index) {
    const char *name = ix->nameOf(ix->ctx, index);
    for (size_t i = hashName(name) & ix->mask;; i = (i + 1) & ix->mask) {
        uint32_t s = ix->slots[i];
        if (s == 0) {
            ix->slots[i] = (uint32_t)index + 1;
            return -1;
        }
        if (strcmp(ix->nameOf(ix->ctx, s - 1), name) == 0) return (int64_t)(s - 1);
    }
}

int64_t hgnNameIndexFind(const HgnNameIndex *ix, const char *name) {
    if (!ix->slots || !name) return -1;
    for (size_t i = hashName(name) & ix->mask;; i = (i + 1) & ix->mask) {
        uint32_t s = ix->slots[i];
        if (s == 0) return -1;
        if (strcmp(ix->nameOf(ix->ctx, s - 1), name) == 0) return (int64_t)(s - 1);
    }
}
