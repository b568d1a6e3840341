/* jobTrace.h — a job's trace as JSON lines in <artefacts>/trace.jsonl: one
 * span per run of the job and one per recorded step (child of the job span),
 * each with traceId, spanId, parentSpanId, name, startUs/endUs (µs since the
 * epoch), jobId, planNodeIds and status. While the job runs, the thread's log
 * records carry jobId, traceId and spanId (the job span's; hgnLogContextSet),
 * linking logs to spans. */
#ifndef HUGINN_ORCHESTRATOR_JOBTRACE_H
#define HUGINN_ORCHESTRATOR_JOBTRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "huginn/plan.h"

typedef struct JobTrace {
    FILE *f;            /* NULL: tracing off (no artefacts folder, or it cannot be written) */
    char traceId[33];   /* 16 random bytes, hex */
    char jobSpanId[17]; /* 8 random bytes, hex */
    char jobId[64];
    char *planNodeIds; /* JSON array text of the plan's node ids */
    int64_t jobStartUs, stepStartUs;
    uint64_t steps;
} JobTrace;

/* Opens dir/trace.jsonl (append) and sets the log context; plan may be NULL. */
void jobTraceBegin(JobTrace *t, const char *dir, const char *jobId, const HgnPlan *plan);
/* Writes one step span from the previous step's end (or the job's start) to now. */
void jobTraceStep(JobTrace *t);
/* Writes the job span with status "ok" or "error" and closes the file. The log context stays (the run's
 * outcome is logged with it); hgnJobRunNext clears it. */
void jobTraceEnd(JobTrace *t, bool ok);

#endif
