/* fmtArena.h — bump allocator for the many small, same-lifetime objects a
 * parsed model header owns (names, metadata arrays). Freed all at once. */
#ifndef HGN_FORMATS_FMTARENA_H
#define HGN_FORMATS_FMTARENA_H

#include <stddef.h>

typedef struct HgnFmtArenaBlock HgnFmtArenaBlock;
typedef struct HgnFmtArena {
    HgnFmtArenaBlock *head;
} HgnFmtArena;

void hgnFmtArenaInit(HgnFmtArena *a);
void hgnFmtArenaFree(HgnFmtArena *a);
/* 16-byte aligned, uninitialised; NULL on allocation failure or overflow. */
void *hgnFmtArenaAlloc(HgnFmtArena *a, size_t n);
/* Copies n bytes and appends a NUL; NULL on failure. */
char *hgnFmtArenaStrndup(HgnFmtArena *a, const char *s, size_t n);

#endif
