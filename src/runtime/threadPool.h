/* threadPool.h — the one worker pool every runtime kernel shares.
 *
 * A pool owns nThreads - 1 worker threads created once (the calling thread is
 * worker 0), and runs parallel-for loops over index ranges. Ranges are split
 * statically and contiguously: with T threads, thread t gets
 * [n*t/T, n*(t+1)/T) rounded to the grain, so which thread computes an index
 * is fixed for a given T, and kernels that compute each output from one index
 * in a fixed order give results independent of T. hgnThreadPoolFor performs
 * no heap allocation. Workers spin briefly, then sleep on a condition
 * variable. A NULL pool means "run on the calling thread". One parallel-for
 * at a time per pool: calls from several threads into one pool must be
 * serialised by the caller. */
#ifndef HGN_RUNTIME_THREADPOOL_H
#define HGN_RUNTIME_THREADPOOL_H

#include <stdint.h>

#include "huginn/status.h"

#define HGN_THREADPOOL_MAX_THREADS 256

typedef struct HgnThreadPool HgnThreadPool;

/* Body of a parallel-for: handles indices [begin, end) on thread `thread`
 * (0 = the caller). Called at most once per thread per loop; never with an
 * empty range. */
typedef void (*HgnParallelFn)(void *ctx, int64_t begin, int64_t end, int thread);

/* Creates a pool of nThreads (1..HGN_THREADPOOL_MAX_THREADS, including the
 * caller). InvalidArgument outside that range, OutOfMemory when a
 * thread cannot be started. */
HGN_NODISCARD HgnStatus hgnThreadPoolCreate(int nThreads, HgnThreadPool **out);
/* Stops and joins the workers. NULL is a no-op. */
void hgnThreadPoolFree(HgnThreadPool *pool);
/* Threads of the pool (1 for NULL). */
int hgnThreadPoolSize(const HgnThreadPool *pool);
/* Runs fn over [0, n) split into at most size() contiguous ranges whose
 * boundaries are multiples of grain (grain < 1 counts as 1); returns when all
 * are done. n <= 0 does nothing. */
void hgnThreadPoolFor(HgnThreadPool *pool, int64_t n, int64_t grain, HgnParallelFn fn, void *ctx);
/* The range thread `thread` of `nThreads` gets for (n, grain): the split
 * hgnThreadPoolFor uses, exposed for kernels that size per-thread scratch. */
void hgnThreadPoolRange(int64_t n, int64_t grain, int nThreads, int thread, int64_t *begin, int64_t *end);

#endif
