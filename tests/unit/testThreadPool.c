/* testThreadPool.c — the shared kernel thread pool: argument checks, every
 * index covered exactly once for many sizes, grains and thread counts, chunk
 * boundaries on the grain, thread ids in range, no heap allocation per
 * parallel-for, allocation failures at creation, and the NULL pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"
#include "runtime/threadPool.h"

typedef struct Cover {
    atomic_int hits[1000];
    atomic_int calls;
    int64_t grain, n;
    int threads;
    int byThread[1000];
    atomic_int badBoundary;
} Cover;

static void coverFn(void *ctx, int64_t b, int64_t e, int thread) {
    Cover *c = ctx;
    atomic_fetch_add(&c->calls, 1);
    if (b >= e || (b % c->grain) != 0 || (e != c->n && e % c->grain != 0) || thread < 0 || thread >= c->threads)
        atomic_fetch_add(&c->badBoundary, 1);
    for (int64_t i = b; i < e; i++) {
        atomic_fetch_add(&c->hits[i], 1);
        c->byThread[i] = thread;
    }
}

static void testArguments(void **state) {
    (void)state;
    HgnThreadPool *p = (HgnThreadPool *)1;
    HgnStatus st = hgnThreadPoolCreate(0, &p);
    assert_non_null(st);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    assert_null(p);
    hgnStatusFree(st);
    st = hgnThreadPoolCreate(HGN_THREADPOOL_MAX_THREADS + 1, &p);
    assert_int_equal(hgnStatusCode(st), HGN_CODE_InvalidArgument);
    hgnStatusFree(st);
    assert_int_equal(hgnThreadPoolSize(NULL), 1);
    hgnThreadPoolFree(NULL);
}

static void testCoverage(void **state) {
    (void)state;
    static Cover c;
    for (int threads = 1; threads <= 5; threads++) {
        HgnThreadPool *pool = NULL;
        assert_null(hgnThreadPoolCreate(threads, &pool));
        assert_int_equal(hgnThreadPoolSize(pool), threads);
        const int64_t sizes[] = {1, 2, 3, 7, 16, 17, 100, 999, 1000};
        const int64_t grains[] = {0, 1, 4, 16, 64};
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            for (size_t gi = 0; gi < sizeof grains / sizeof *grains; gi++) {
                memset(&c, 0, sizeof c);
                c.n = sizes[si];
                c.grain = grains[gi] < 1 ? 1 : grains[gi];
                c.threads = threads;
                hgnThreadPoolFor(pool, c.n, grains[gi], coverFn, &c);
                for (int64_t i = 0; i < c.n; i++) assert_int_equal(atomic_load(&c.hits[i]), 1);
                /* about four chunks per thread at most, one call when n <= grain */
                assert_true(atomic_load(&c.calls) <= 4 * threads + 1);
                if (c.n <= c.grain) assert_int_equal(atomic_load(&c.calls), 1);
                assert_int_equal(atomic_load(&c.badBoundary), 0);
            }
        }
        hgnThreadPoolFor(pool, 0, 1, coverFn, &c); /* empty: nothing runs */
        hgnThreadPoolFree(pool);
    }
}

/* Many short loops back to back, more threads than cores: a worker that wakes late must never run
 * a chunk of a loop it did not read (stale fn/ctx), and every index of every loop runs once. */
typedef struct Stale {
    atomic_llong current; /* the loop in progress */
    atomic_int stale, overlap;
    long long id;
    atomic_int hits[64];
} Stale;

static void staleFn(void *ctx, int64_t b, int64_t e, int thread) {
    (void)thread;
    Stale *s = ctx;
    if (atomic_load(&s->current) != s->id) atomic_fetch_add(&s->stale, 1);
    for (int64_t i = b; i < e; i++)
        if (atomic_fetch_add(&s->hits[i], 1) != 0) atomic_fetch_add(&s->overlap, 1);
}

static void testManyLoopsNoStaleWork(void **state) {
    (void)state;
    static Stale loops[2];
    HgnThreadPool *pool = NULL;
    assert_null(hgnThreadPoolCreate(8, &pool)); /* oversubscribed on a 2-core machine */
    int stale = 0, overlap = 0, missed = 0;
    for (long long k = 1; k <= 20000; k++) {
        Stale *s = &loops[k & 1]; /* contexts reused every other loop, like a kernel's stack frame */
        memset(s, 0, sizeof *s);
        s->id = k;
        atomic_store(&s->current, k);
        int64_t n = 1 + k % 64;
        hgnThreadPoolFor(pool, n, 1, staleFn, s);
        atomic_store(&s->current, 0); /* a late call on this context after return counts as stale */
        stale += atomic_load(&s->stale);
        overlap += atomic_load(&s->overlap);
        for (int64_t i = 0; i < n; i++) missed += atomic_load(&s->hits[i]) != 1;
    }
    hgnThreadPoolFree(pool);
    assert_int_equal(stale, 0);
    assert_int_equal(overlap, 0);
    assert_int_equal(missed, 0);
}

static void sumFn(void *ctx, int64_t b, int64_t e, int thread) {
    atomic_llong *s = ctx;
    long long local = 0;
    for (int64_t i = b; i < e; i++) local += i;
    atomic_fetch_add(s, local);
}

static void testNoAllocationPerLoop(void **state) {
    (void)state;
    HgnThreadPool *pool = NULL;
    assert_null(hgnThreadPoolCreate(3, &pool));
    atomic_llong s = 0;
    uint64_t before = hgnAllocCount();
    for (int k = 0; k < 2000; k++) hgnThreadPoolFor(pool, 5000, 8, sumFn, &s);
    assert_int_equal(hgnAllocCount(), before);
    assert_int_equal(atomic_load(&s), 2000LL * (5000LL * 4999 / 2));
    hgnThreadPoolFree(pool);
}

static void testAllocationFailure(void **state) {
    (void)state;
    for (uint64_t nth = 1; nth <= 2; nth++) {
        HgnThreadPool *pool = NULL;
        hgnAllocFailAt(nth, 0);
        HgnStatus st = hgnThreadPoolCreate(4, &pool);
        hgnAllocFailAt(0, 0);
        assert_non_null(st);
        assert_int_equal(hgnStatusCode(st), HGN_CODE_OutOfMemory);
        assert_null(pool);
        hgnStatusFree(st);
    }
}

static void testNullPoolRunsInline(void **state) {
    (void)state;
    static Cover c;
    memset(&c, 0, sizeof c);
    c.n = 10;
    c.grain = 1;
    c.threads = 1;
    hgnThreadPoolFor(NULL, 10, 1, coverFn, &c);
    assert_int_equal(atomic_load(&c.calls), 1);
    for (int i = 0; i < 10; i++) assert_int_equal(c.byThread[i], 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testArguments),           cmocka_unit_test(testCoverage),
        cmocka_unit_test(testNoAllocationPerLoop), cmocka_unit_test(testAllocationFailure),
        cmocka_unit_test(testNullPoolRunsInline),  cmocka_unit_test(testManyLoopsNoStaleWork),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
