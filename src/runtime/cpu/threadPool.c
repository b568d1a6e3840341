/* threadPool.c — the shared kernel worker pool (see runtime/threadPool.h).
 *
 * Workers wait for a new "generation" of work: they spin on an atomic counter
 * for a short while (a decode step issues hundreds of small loops, and a
 * condition-variable wake-up costs tens of microseconds), then sleep on a
 * condition variable. The caller runs range 0 itself and then waits for the
 * pending counter to reach zero. Nothing here allocates after creation. */
#include "runtime/threadPool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "core/alloc.h"

#define SPIN_ITERATIONS   20000
#define CHUNKS_PER_THREAD 4

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
    atomic_uint_fast64_t generation; /* bumped once per parallel-for */
    atomic_int pending;              /* workers still busy with the current loop */
    atomic_int sleepers;             /* workers blocked (or about to block) on `wake` */
    atomic_bool stop;
    /* The current loop; written by the caller before bumping generation. */
    HgnParallelFn fn;
    void *ctx;
    int64_t n, chunk;
    atomic_int_fast64_t next; /* first index not yet claimed */
    atomic_int_fast64_t done; /* indices finished */
};

static inline void cpuRelax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Claims chunks until none is left: a thread that runs late (another process
 * took its core) simply gets fewer. */
static void runShare(HgnThreadPool *pool, int thread) {
    for (;;) {
        int64_t b = atomic_fetch_add_explicit(&pool->next, pool->chunk, memory_order_relaxed);
        if (b >= pool->n) return;
        int64_t e = b + pool->chunk < pool->n ? b + pool->chunk : pool->n;
        pool->fn(pool->ctx, b, e, thread);
        atomic_fetch_add_explicit(&pool->done, e - b, memory_order_release);
    }
}

/* Until every worker has finished with the previous loop (a worker that woke
 * late may still be reading its descriptor, even with no chunk left). */
static void waitWorkersIdle(HgnThreadPool *pool) {
    for (int spin = 0; atomic_load_explicit(&pool->pending, memory_order_acquire) > 0; spin++) {
        if (spin < SPIN_ITERATIONS)
            cpuRelax();
        else
            sched_yield();
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
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
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
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->sleepers, 0);
    atomic_init(&pool->stop, false);
    atomic_init(&pool->next, 0);
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
        waitWorkersIdle(pool);
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
    waitWorkersIdle(pool);
    /* about CHUNKS_PER_THREAD chunks per thread, each a multiple of grain */
    int64_t units = (n + grain - 1) / grain, want = (int64_t)pool->nThreads * CHUNKS_PER_THREAD;
    int64_t perChunk = (units + want - 1) / want;
    pool->fn = fn;
    pool->ctx = ctx;
    pool->n = n;
    pool->chunk = (perChunk < 1 ? 1 : perChunk) * grain;
    atomic_store_explicit(&pool->next, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->done, 0, memory_order_relaxed);
    atomic_store_explicit(&pool->pending, pool->nThreads - 1, memory_order_relaxed);
    atomic_fetch_add(&pool->generation, 1); /* seq_cst: pairs with the sleepers check below */
    if (atomic_load(&pool->sleepers) > 0) {
        pthread_mutex_lock(&pool->mutex);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->mutex);
    }
    runShare(pool, 0);
    /* Return as soon as every chunk is done: workers that have not woken yet
     * find nothing to claim, and the next loop waits for them to check in. */
    for (int spin = 0; atomic_load_explicit(&pool->done, memory_order_acquire) < n; spin++) {
        if (spin < SPIN_ITERATIONS)
            cpuRelax();
        else
            sched_yield();
    }
}
