/* fmtArena.c — bump allocator for parsed headers (see fmtArena.h). */
#include "formats/fmtArena.h"

#include <stdint.h>
#include <string.h>

#include "core/alloc.h"

struct HgnFmtArenaBlock {
    HgnFmtArenaBlock *next;
    size_t used, cap;
    _Alignas(16) unsigned char bytes[];
};

enum { blockMin = 64 * 1024 };

void hgnFmtArenaInit(HgnFmtArena *a) { a->head = NULL; }

void hgnFmtArenaFree(HgnFmtArena *a) {
    for (HgnFmtArenaBlock *b = a->head, *next; b; b = next) {
        next = b->next;
        hgnFree(b);
    }
    a->head = NULL;
}

void *hgnFmtArenaAlloc(HgnFmtArena *a, size_t n) {
    if (n > SIZE_MAX - 64 - sizeof(HgnFmtArenaBlock)) return NULL;
    size_t need = (n + 15) & ~(size_t)15;
    HgnFmtArenaBlock *b = a->head;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > blockMin ? need : blockMin;
        b = hgnMalloc(sizeof *b + cap);
        if (!b) return NULL;
        b->used = 0;
        b->cap = cap;
        if (a->head && need > blockMin) { /* keep the current block for small objects */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->bytes + b->used;
    b->used += need;
    return p;
}

char *hgnFmtArenaStrndup(HgnFmtArena *a, const char *s, size_t n) {
    if (n == SIZE_MAX) return NULL;
    char *d = hgnFmtArenaAlloc(a, n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}
