/* arena.h — bump allocator for many small allocations with one lifetime (IR
 * metadata, parsed model headers, decoded tensors): one free for all.
 *
 * Chunks grow geometrically; nothing is freed individually. hgnArenaFree on a
 * zeroed arena is a no-op. All functions return NULL on allocation failure. */
#ifndef HGN_CORE_ARENA_H
#define HGN_CORE_ARENA_H

#include <stddef.h>

typedef struct HgnArenaChunk HgnArenaChunk;
typedef struct HgnArena {
    HgnArenaChunk *head;
    size_t used;  /* bytes used in head */
    size_t total; /* bytes handed out, all chunks */
} HgnArena;

void hgnArenaInit(HgnArena *a);
void hgnArenaFree(HgnArena *a);
/* 16-byte aligned, zero-filled. */
void *hgnArenaAlloc(HgnArena *a, size_t n);
void *hgnArenaDup(HgnArena *a, const void *p, size_t n);
char *hgnArenaStrdup(HgnArena *a, const char *s);
/* Copies n bytes of s and appends a NUL. */
char *hgnArenaStrndup(HgnArena *a, const char *s, size_t n);

#endif
