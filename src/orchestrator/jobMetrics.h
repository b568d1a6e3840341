/* jobMetrics.h — what the job manager observes about its jobs, fed by real
 * events only: lock-free step histograms (time between recorded steps, the
 * engine's own work per step event: per-bucket atomic counters), job
 * durations by final state, retries by reason, plan nodes by backend, bytes
 * moved between devices and checkpoint resumes (HgnJobStats), plus one
 * structured log record per lifecycle event (submitted, claimed, started,
 * checkpoint, run ended, retry scheduled, state changes) carrying jobId,
 * owner, attempt and, while the job runs, the traceId/spanId written in its
 * trace.jsonl (docs/logging.md "Jobs"). Prompts and results are never logged. */
#ifndef HGN_ORCHESTRATOR_JOBMETRICS_H
#define HGN_ORCHESTRATOR_JOBMETRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "huginn/jobs.h"
#include "huginn/runtime.h"

typedef struct AtomicHistogram {
    _Atomic uint64_t buckets[HGN_JOB_HIST_MAX_BUCKETS + 1]; /* per bucket (not cumulative); the last: above all */
    _Atomic uint64_t sumNs;
} AtomicHistogram;

typedef struct JobMetrics {
    AtomicHistogram step, overhead; /* zeroed memory is a valid empty histogram */
} JobMetrics;

struct ExecStep;

/* Monotonic clock, nanoseconds. */
int64_t jobMetricsNowNs(void);
/* Fills out's histograms (after the manager copied its counters into out). */
void jobMetricsSnapshot(HgnJobManager *m, HgnJobStats *out);

/* ---- manager hooks (jobManager.c) ---- */
void jobMetricsSubmitted(HgnJobManager *m, const HgnJob *job);
/* A claimed job: logs it and sets the thread's log context (jobId). */
void jobMetricsClaimed(HgnJobManager *m, const HgnJob *job);
/* After a successful transition: the duration of a run that ended (RUNNING → terminal) and a log record. */
void jobMetricsTransition(HgnJobManager *m, const HgnJob *job, HgnJobState from, HgnJobState to);
/* The run is over: clears the thread's job log context (jobId, traceId, spanId). */
void jobMetricsRunDone(void);

/* ---- engine hooks (executionEngine.c) ---- */
/* Generation is about to start (trace begun): plan nodes by backend, step clock, "started" record. */
void jobMetricsRunStart(struct ExecStep *c, const HgnPlan *plan);
/* At the start and at the end of executionRecordStep (a step that was counted). */
void jobMetricsStepBegin(struct ExecStep *c);
void jobMetricsStepEnd(struct ExecStep *c);
/* Generation returned e (r filled when e is HGN_OK): bytes moved, checkpoint resume, "runEnded" record
 * (with planNodeId when the error names a plan node). */
void jobMetricsRunEnd(struct ExecStep *c, const HgnRuntime *rt, const HgnGenerateResult *r, const HgnPlan *plan,
                      HgnStatus e);
void jobMetricsCheckpoint(struct ExecStep *c, const char *path);
/* A retry was scheduled for job (job->lastError holds the error; the engine already counted it in
 * job->retriesJson): counts it by reason (the error code name) and logs the reason and backoff. */
void jobMetricsRetry(HgnJobManager *m, HgnJob *job, int64_t backoffMs);

#endif
