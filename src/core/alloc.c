/* alloc.c — allocation wrapper with counters and fault injection (see alloc.h). */
#include "core/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_uint_fast64_t allocCount;
static atomic_uint_fast64_t failAt;      /* 0: disabled */
static atomic_uint_fast64_t failCounter; /* allocations seen since armed */
static atomic_int failSticky;
static atomic_uint_fast64_t injected;

static int shouldFail(void) {
    uint64_t at = atomic_load(&failAt);
    if (at == 0) return 0;
    uint64_t n = atomic_fetch_add(&failCounter, 1) + 1;
    if (n == at || (atomic_load(&failSticky) && n > at)) {
        atomic_fetch_add(&injected, 1);
        return 1;
    }
    return 0;
}

void *hgnMalloc(size_t n) {
    if (shouldFail()) return NULL;
    void *p = malloc(n ? n : 1);
    if (p) atomic_fetch_add(&allocCount, 1);
    return p;
}

void *hgnCalloc(size_t count, size_t size) {
    if (shouldFail()) return NULL;
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p) atomic_fetch_add(&allocCount, 1);
    return p;
}

void *hgnRealloc(void *p, size_t n) {
    if (shouldFail()) return NULL;
    void *q = realloc(p, n ? n : 1);
    if (q) atomic_fetch_add(&allocCount, 1);
    return q;
}

void hgnFree(void *p) { free(p); }

char *hgnStrndup(const char *s, size_t n) {
    if (!s) return NULL;
    size_t len = strnlen(s, n);
    char *d = hgnMalloc(len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *hgnStrdup(const char *s) { return s ? hgnStrndup(s, strlen(s)) : NULL; }

void hgnAllocFailAt(uint64_t nth, int sticky) {
    atomic_store(&failCounter, 0);
    atomic_store(&injected, 0);
    atomic_store(&failSticky, sticky);
    atomic_store(&failAt, nth);
}

uint64_t hgnAllocCount(void) { return atomic_load(&allocCount); }
uint64_t hgnAllocInjectedFailures(void) { return atomic_load(&injected); }
