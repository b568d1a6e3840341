/* nameIndex.h — open-addressing hash from a NUL-terminated name to an index
 * in a caller's array (tensor names, metadata keys). The index stores only
 * integers; names are read back through a callback, so it owns no strings. */
#ifndef HGN_FORMATS_NAMEINDEX_H
#define HGN_FORMATS_NAMEINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef const char *(*HgnNameOf)(const void *ctx, size_t index);

typedef struct HgnNameIndex {
    uint32_t *slots; /* index + 1; 0 = empty */
    size_t mask;
    HgnNameOf nameOf;
    const void *ctx;
} HgnNameIndex;

/* Sizes the table for n names; false on allocation failure or n too large. */
bool hgnNameIndexInit(HgnNameIndex *ix, size_t n, HgnNameOf nameOf, const void *ctx);
void hgnNameIndexFree(HgnNameIndex *ix);
/* Inserts index; returns -1 when inserted, or the index already holding the same name. */
int64_t hgnNameIndexInsert(HgnNameIndex *ix, size_t index);
/* Index of name, or -1. */
int64_t hgnNameIndexFind(const HgnNameIndex *ix, const char *name);

#endif
