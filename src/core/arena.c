/* arena.c — bump allocator (see arena.h). */
#include "core/arena.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"

struct HgnArenaChunk {
    HgnArenaChunk *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

void hgnArenaInit(HgnArena *a) { memset(a, 0, sizeof *a); }

void hgnArenaFree(HgnArena *a) {
    HgnArenaChunk *c = a->head;
    while (c) {
        HgnArenaChunk *next = c->next;
        hgnFree(c);
        c = next;
    }
    memset(a, 0, sizeof *a);
}

void *hgnArenaAlloc(HgnArena *a, size_t n) {
    if (n == 0) n = 1;
    if (n > ((size_t)1 << 40)) return NULL;
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->used + n > a->head->size) {
        size_t size = a->head ? a->head->size * 2 : 16384;
        if (size > ((size_t)8 << 20)) size = (size_t)8 << 20;
        if (size < n) size = n;
        HgnArenaChunk *c = hgnMalloc(sizeof *c + size);
        if (!c) return NULL;
        c->size = size;
        /* a big one-off allocation goes behind the head so the head keeps its free room */
        if (a->head && n > a->head->size - a->used && size == n && a->head->size - a->used > 4096) {
            c->next = a->head->next;
            a->head->next = c;
            memset(c->data, 0, n);
            a->total += n;
            return c->data;
        }
        c->next = a->head;
        a->head = c;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

void *hgnArenaDup(HgnArena *a, const void *p, size_t n) {
    void *q = hgnArenaAlloc(a, n);
    if (q && n) memcpy(q, p, n);
    return q;
}

char *hgnArenaStrndup(HgnArena *a, const char *s, size_t n) {
    if (n == SIZE_MAX) return NULL;
    char *q = hgnArenaAlloc(a, n + 1);
    if (!q) return NULL;
    if (n) memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

char *hgnArenaStrdup(HgnArena *a, const char *s) { return s ? hgnArenaStrndup(a, s, strlen(s)) : NULL; }
