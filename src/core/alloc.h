/* alloc.h — the one allocation wrapper of Huginn, with a fault hook.
 *
 * Every heap allocation in libhuginn goes through these functions so that
 * tests can make the Nth allocation fail (hgnAllocFailAt) and check that each
 * failure path returns HGN-0012 cleanly instead of crashing or leaking.
 * hgnFree(NULL) is a no-op. Counters are per process and thread-safe. */
#ifndef HGN_CORE_ALLOC_H
#define HGN_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *hgnMalloc(size_t n);
void *hgnCalloc(size_t count, size_t size);
void *hgnRealloc(void *p, size_t n);
void hgnFree(void *p);
char *hgnStrdup(const char *s);
char *hgnStrndup(const char *s, size_t n);

/* Fault injection: the allocation with ordinal `nth` (1-based, counted from
 * this call) and, if sticky, every later one fails. nth = 0 disables. */
void hgnAllocFailAt(uint64_t nth, int sticky);
/* Allocations made since the process started (successful ones). */
uint64_t hgnAllocCount(void);
/* Number of failures injected since the last hgnAllocFailAt. */
uint64_t hgnAllocInjectedFailures(void);

#endif
