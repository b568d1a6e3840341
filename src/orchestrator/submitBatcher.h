/* submitBatcher.h — group commit of job submissions: concurrent submitters
 * queue their validated jobs; the first waiter becomes the leader, checks the
 * quotas for everything queued and commits it with one store transaction (one
 * fsync), then wakes each submitter with its own result. */
#ifndef HGN_ORCHESTRATOR_SUBMITBATCHER_H
#define HGN_ORCHESTRATOR_SUBMITBATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "huginn/jobs.h"

typedef struct SubmitBatcher SubmitBatcher;

/* Counters since create (read under the batcher's lock). */
typedef struct SubmitBatcherStats {
    int64_t commits;   /* store transactions (insertBatch calls) made */
    int64_t jobs;      /* jobs committed */
    int64_t largest;   /* most jobs one commit held */
    int64_t fallbacks; /* batches that failed and were retried one job at a time */
    int64_t quotaFull; /* submissions refused with HGN-0501 */
} SubmitBatcherStats;

/* maxBatch: most jobs one commit holds (1: one commit per job, no grouping). The limits are
 * read from m's configuration at every commit; the store is m's. OOM is the only failure. */
HGN_NODISCARD HgnStatus submitBatcherCreate(HgnJobManager *m, int32_t maxBatch, SubmitBatcher **out);
/* No submitter may be waiting. NULL is a no-op. */
void submitBatcherFree(SubmitBatcher *b);

/* Admits job (complete, QUEUED) under the owner and total queue limits, counting the jobs
 * committed before it in the same batch, and stores it with its "submitted" event. Returns
 * only once the commit holding the job is durable (or failed): HGN_OK with *seq the event's
 * seq; HGN-0501 QueueFull when a limit is reached; the store's error when this job could not
 * be stored (a batch that fails is retried one job at a time, so one bad job fails alone).
 * The job is borrowed until the call returns. */
HGN_NODISCARD HgnStatus submitBatcherSubmit(SubmitBatcher *b, const HgnJob *job, int64_t *seq);

/* Submissions queued and not yet taken by a leader (tests). */
size_t submitBatcherWaiting(SubmitBatcher *b);
void submitBatcherStatsGet(SubmitBatcher *b, SubmitBatcherStats *out);

#endif
