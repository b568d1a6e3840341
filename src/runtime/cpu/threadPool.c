/* threadPool.c — the shared kernel worker pool (see runtime/threadPool.h).
 *
 * Workers wait for a new "generation" of work: they spin on an atomic counter
 * for a short while (a decode step issues hundreds of small loops, and a
 * condition-variable wake-up costs tens of microseconds), then sleep on a
 * condition variable. The caller publishes a loop, runs chunks itself and
 * returns as soon as every chunk is done.
 *
 * Chunks are claimed with a compare-and-swap on one 64-bit cursor holding the
 * loop's tag (high bits) and the next index (low bits). Publishing a loop
 * first retags the cursor as "not ready", then writes the descriptor, then
 * opens the cursor. So a worker that wakes late (its core was taken by another
 * process) can never claim a chunk of a loop it did not read: its swap fails,
 * and the caller never waits for a worker that holds no chunk. (Waiting for
 * every worker to check in each loop made two threads on a loaded 2-core
 * machine 50x slower than one: each of the hundreds of loops of a token
 * waited for a descheduled worker.) Nothing here allocates after creation. */
#include "runtime/threadPool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"

#define SPIN_ITERATIONS   20000
#define CHUNKS_PER_THREAD 4
#define INDEX_BITS        40
#define INDEX_MASK        ((UINT64_C(1) << INDEX_BITS) - 1) /* also the "not ready" index */

typedef struct Worker {
    HgnThreadPool *pool;
    pthread_t thread;
    int index;
} Worker;

struct HgnThreadPool {
    int nThreads;
    Worker *workers; /* nThreads - 1 entries */
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    atomic_uint_fast64_t generation; /* bumped once per parallel-for (wakes the workers) */
    atomic_int sleepers;             /* workers blocked (or about to block) on `wake` */
    atomic_bool stop;
    uint64_t tag;            /* the caller's loop counter (cursor tag) */
    _Atomic uint64_t cursor; /* tag << INDEX_BITS | first index not yet claimed */
    /* The current loop; valid while the cursor carries its tag and an index below n. */
    _Atomic(HgnParallelFn) fn;
    _Atomic(void *) ctx;
    atomic_int_fast64_t n, chunk;
    atomic_int_fast64_t done; /* indices finished */
};

static inline void cpuRelax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Claims chunks of the open loop until none is left: a thread that runs late
 * (another process took its core) simply gets fewer, or none. */
static void runShare(HgnThreadPool *pool, int thread) {
    for (;;) {
        uint64_t cur = atomic_load_explicit(&pool->cursor, memory_order_acquire);
        uint64_t b = cur & INDEX_MASK;
        if (b == INDEX_MASK) return; /* a loop being published, or none */
        int64_t n = atomic_load_explicit(&pool->n, memory_order_acquire);
        int64_t chunk = atomic_load_explicit(&pool->chunk, memory_order_acquire);
        if ((int64_t)b >= n || chunk < 1) return;
        int64_t e = (int64_t)b + chunk < n ? (int64_t)b + chunk : n;
        /* succeeds only while the cursor still holds this loop's tag: the fields read above were its own */
        if (!atomic_compare_exchange_weak_explicit(&pool->cursor, &cur, (cur & ~INDEX_MASK) | (uint64_t)e,
                                                   memory_order_acq_rel, memory_order_acquire))
            continue;
        HgnParallelFn fn = atomic_load_explicit(&pool->fn, memory_order_acquire);
        void *ctx = atomic_load_explicit(&pool->ctx, memory_order_acquire);
        fn(ctx, (int64_t)b, e, thread);
        atomic_fetch_add_explicit(&pool->done, e - (int64_t)b, memory_order_release);
    }
}

static void *workerMain(void *arg) {
    Worker *w = arg;
    HgnThreadPool *pool = w->pool;
    uint_fast64_t seen = 0;
    for (;;) {
        uint_fast64_t gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        for (int spin = 0; gen == seen && spin < SPIN_ITERATIONS; spin++) {
            cpuRelax();
            gen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        }
        if (gen == seen) {
            pthread_mutex_lock(&pool->mutex);
            atomic_fetch_add(&pool->sleepers, 1);
            while ((gen = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->stop))
                pthread_cond_wait(&pool->wake, &pool->mutex);
            atomic_fetch_sub(&pool->sleepers, 1);
            pthread_mutex_unlock(&pool->mutex);
        }
        if (atomic_load(&pool->stop)) return NULL;
        seen = gen;
        runShare(pool, w->index);
    }
}

HgnStatus hgnThreadPoolCreate(int nThreads, HgnThreadPool **out) {
    *out = NULL;
    if (nThreads < 1 || nThreads > HGN_THREADPOOL_MAX_THREADS)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "threads", "use 1 to 256 threads",
                            "thread count %d is out of range", nThreads);
    HgnThreadPool *pool = hgnCalloc(1, sizeof *pool);
    if (!pool) return hgnStatusNew(HGN_CODE_OutOfMemory, "thread pool", NULL, "cannot allocate the thread pool");
    pool->nThreads = nThreads;
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->stop, false);
    atomic_init(&pool->cursor, INDEX_MASK); /* no loop open */
    atomic_init(&pool->fn, NULL);
    atomic_init(&pool->ctx, NULL);
    atomic_init(&pool->n, 0);
    atomic_init(&pool->chunk, 0);
    atomic_init(&pool->done, 0);
    if (nThreads > 1) {
        pool->workers = hgnCalloc((size_t)nThreads - 1, sizeof *pool->workers);
        if (!pool->workers) {
            hgnThreadPoolFree(pool);
            return hgnStatusNew(HGN_CODE_OutOfMemory, "thread pool", NULL, "cannot allocate the thread pool");
        }
    }
    for (int i = 1; i < nThreads; i++) {
        Worker *w = &pool->workers[i - 1];
        w->pool = pool;
        w->index = i;
        int rc = pthread_create(&w->thread, NULL, workerMain, w);
        if (rc != 0) {
            pool->nThreads = i; /* join only the started ones */
            hgnThreadPoolFree(pool);
            return hgnStatusNew(HGN_CODE_OutOfMemory, "thread pool", "use fewer threads",
                                "cannot start worker thread %d of %d: %s", i, nThreads, strerror(rc));
        }
    }
    *out = pool;
    return HGN_OK;
}

void hgnThreadPoolFree(HgnThreadPool *pool) {
    if (!pool) return;
    if (pool->workers) {
        pthread_mutex_lock(&pool->mutex);
        atomic_store(&pool->stop, true);
        atomic_fetch_add(&pool->generation, 1);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
        for (int i = 1; i < pool->nThreads; i++) pthread_join(pool->workers[i - 1].thread, NULL);
        hgnFree(pool->workers);
    }
    pthread_cond_destroy(&pool->wake);
    pthread_mutex_destroy(&pool->mutex);
    hgnFree(pool);
}

int hgnThreadPoolSize(const HgnThreadPool *pool) { return pool ? pool->nThreads : 1; }

void hgnThreadPoolFor(HgnThreadPool *pool, int64_t n, int64_t grain, HgnParallelFn fn, void *ctx) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    if (!pool || pool->nThreads == 1 || n <= grain) {
        fn(ctx, 0, n, 0);
        return;
    }
    /* about CHUNKS_PER_THREAD chunks per thread, each a multiple of grain */
    int64_t units = (n + grain - 1) / grain, want = (int64_t)pool->nThreads * CHUNKS_PER_THREAD;
    int64_t perChunk = (units + want - 1) / want;
    /* close the cursor under a new tag (a late worker's swap on the old loop now fails), write the
     * loop, open the cursor */
    pool->tag = (pool->tag + 1) & ((UINT64_C(1) << (64 - INDEX_BITS)) - 1);
    atomic_store(&pool->cursor, pool->tag << INDEX_BITS | INDEX_MASK);
    atomic_store_explicit(&pool->fn, fn, memory_order_release);
    atomic_store_explicit(&pool->ctx, ctx, memory_order_release);
    atomic_store_explicit(&pool->n, n, memory_order_release);
    atomic_store_explicit(&pool->chunk, (perChunk < 1 ? 1 : perChunk) * grain, memory_order_release);
    atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->cursor, pool->tag << INDEX_BITS, memory_order_release);
    atomic_fetch_add(&pool->generation, 1); /* seq_cst: pairs with the sleepers check below */
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
    runShare(pool, 0);
    /* Return as soon as every chunk is done: workers that have not woken yet find nothing to claim. */
    for (int spin = 0; atomic_load_explicit(&pool->done, memory_order_acquire) < n; spin++) {
        if (spin < SPIN_ITERATIONS)
            cpuRelax();
        else
            sched_yield();
    }
}
