/* jobAdapter.h — the thin seam between huginnd's HTTP layer and the job core
 * (include/huginn/jobs.h): everything the routes need from jobs goes through
 * these functions, plus the worker threads that run queued jobs. Jobs are
 * rendered as JSON objects. */
#ifndef HGN_SERVER_JOB_ADAPTER_H
#define HGN_SERVER_JOB_ADAPTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "huginn/metrics.h"
#include "huginn/status.h"

typedef struct JobAdapter JobAdapter;

typedef struct JobAdapterConfig {
    const char *storePath; /* NULL or "": the job manager's default */
    int64_t queueLimit;    /* queued jobs in total (HGN-0501 past it) */
    int workers;           /* threads running queued jobs (0: none; the API only) */
    int64_t leaseMs;       /* lease of a running job (server.leaseMs); 0: the manager's default */
} JobAdapterConfig;

HGN_NODISCARD HgnStatus jobAdapterOpen(const JobAdapterConfig *cfg, JobAdapter **out);
void jobAdapterClose(JobAdapter *a);
/* HGN-0501 QueueFull when the queue (or the owner's quota) is full. */
/* req: a validated JobSubmit document (plan or planPath, priority, maxAttempts, prompt, maxTokens,
 * options: the generation options, checked by hgnJobSubmit). */
HGN_NODISCARD HgnStatus jobAdapterSubmit(JobAdapter *a, const char *owner, const json_t *req, char id[64]);
/* The job as JSON and its owner (OUT: *owner hgnFree()d by the caller). HGN-0006 when unknown. */
HGN_NODISCARD HgnStatus jobAdapterGet(JobAdapter *a, const char *id, json_t **out, char **owner);
/* {"jobs":[…]} of owner (NULL: every owner). */
HGN_NODISCARD HgnStatus jobAdapterList(JobAdapter *a, const char *owner, json_t **out);
/* action: "cancel" | "pause" | "resume". HGN-0500 when the state table refuses. */
HGN_NODISCARD HgnStatus jobAdapterAct(JobAdapter *a, const char *id, const char *action);
/* Events with seq > afterSeq as a JSON array of {"seq","type","from","to","timeMs"}; *terminal when
 * the job has ended. */
HGN_NODISCARD HgnStatus jobAdapterEvents(JobAdapter *a, const char *id, int64_t afterSeq, json_t **out, bool *terminal);
/* Copies the job statistics (submitted, running, queue depth, transitions,
 * failures, retries) into the standard metric families. */
void jobAdapterExportMetrics(JobAdapter *a, HgnMetrics *metrics);

#endif
