/* threadPool.h — the one worker pool every runtime kernel shares.
 *
 * A pool owns nThreads - 1 worker threads created once (the calling thread is
 * worker 0), and runs parallel-for loops over index ranges. The range is cut
 * into chunks (multiples of the grain, about four per thread) that the
 * threads claim as they go, so a thread delayed by another process gets
 * less work. Which thread computes an index therefore varies, but kernels
 * compute each output from its index alone, in a fixed order, so results do
 * not depend on the thread count or on timing. hgnThreadPoolFor performs no
 * heap allocation. Workers spin briefly, then sleep on a condition variable.
 * A NULL pool means "run on the calling thread". One parallel-for at a time
 * per pool: calls from several threads into one pool must be serialised by
 * the caller. */
#ifndef HGN_RUNTIME_THREADPOOL_H
#define HGN_RUNTIME_THREADPOOL_H

#include <stdint.h>

#include "huginn/status.h"

#define HGN_THREADPOOL_MAX_THREADS 256

typedef struct HgnThreadPool HgnThreadPool;

/* Body of a parallel-for: handles indices [begin, end) on thread `thread`
 * (0 = the caller; < hgnThreadPoolSize, so it can index per-thread scratch).
 * Called once per chunk, never with an empty range; begin is a multiple of
 * the grain and so is end, except at n. */
typedef void (*HgnParallelFn)(void *ctx, int64_t begin, int64_t end, int thread);

/* Creates a pool of nThreads (1..HGN_THREADPOOL_MAX_THREADS, including the
 * caller). InvalidArgument outside that range, OutOfMemory when a
 * thread cannot be started. */
HGN_NODISCARD HgnStatus hgnThreadPoolCreate(int nThreads, HgnThreadPool **out);
/* Stops and joins the workers. NULL is a no-op. */
void hgnThreadPoolFree(HgnThreadPool *pool);
/* Threads of the pool (1 for NULL). */
int hgnThreadPoolSize(const HgnThreadPool *pool);
/* Runs fn over [0, n) in chunks whose boundaries are multiples of grain
 * (grain < 1 counts as 1); returns when all are done. n <= 0 does nothing;
 * n <= grain or a single thread runs fn(ctx, 0, n, 0) on the caller. */
void hgnThreadPoolFor(HgnThreadPool *pool, int64_t n, int64_t grain, HgnParallelFn fn, void *ctx);

#endif
