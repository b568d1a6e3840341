/* jobAdapter.h — the thin seam between huginnd's HTTP layer and the job core
 * (include/huginn/jobs.h): everything the routes need from jobs goes through
 * these functions, plus the worker threads that run queued jobs and the
 * reaper thread (forced cancel, expired leases). Jobs are rendered as JSON
 * objects. */
#ifndef HGN_SERVER_JOB_ADAPTER_H
#define HGN_SERVER_JOB_ADAPTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "huginn/config.h"
#include "huginn/metrics.h"
#include "huginn/status.h"

typedef struct JobAdapter JobAdapter;

typedef struct JobAdapterConfig {
    const HgnConfig *config; /* [store] (backend, path, dsn, artifactsRoot) and [jobs] (quotas, leases,
                              * retries, store.groupCommit: hgnJobManagerConfigFromConfig); NULL: defaults */
    int workers;             /* threads running queued jobs (0: none; the API only) */
} JobAdapterConfig;

HGN_NODISCARD HgnStatus jobAdapterOpen(const JobAdapterConfig *cfg, JobAdapter **out);
void jobAdapterClose(JobAdapter *a);
/* Reads the plan file at path once and validates it (hgnPlanReadJson: JSON, schema, references) unless
 * a plan of the same content (SHA-256) validated before in this server (the last 64 kept): a plan file
 * submitted again and again is parsed once here. OUT: *text, the file's content (hgnFree), for
 * jobAdapterSubmit. Errors as hgnPlanReadFile's (NotFound, IoError, InvalidJson, PlanSchemaViolation). */
HGN_NODISCARD HgnStatus jobAdapterCheckPlanFile(JobAdapter *a, const char *path, char **text);
/* HGN-0501 QueueFull when the queue (or the owner's quota) is full. */
/* req: a validated JobSubmit document (plan or planPath, priority, maxAttempts, prompt, maxTokens,
 * options: the generation options, checked by hgnJobSubmit); planText: the planPath file's content
 * already read (jobAdapterCheckPlanFile), or NULL. */
HGN_NODISCARD HgnStatus jobAdapterSubmit(JobAdapter *a, const char *owner, const json_t *req, const char *planText,
                                         char id[64]);
/* The job as JSON and its owner (OUT: *owner hgnFree()d by the caller). HGN-0006 when unknown. */
HGN_NODISCARD HgnStatus jobAdapterGet(JobAdapter *a, const char *id, json_t **out, char **owner);
/* {"jobs":[…]} of owner (NULL: every owner). */
HGN_NODISCARD HgnStatus jobAdapterList(JobAdapter *a, const char *owner, json_t **out);
/* action: "cancel" | "pause" | "resume". HGN-0500 when the state table refuses. */
HGN_NODISCARD HgnStatus jobAdapterAct(JobAdapter *a, const char *id, const char *action);
/* Events with seq > afterSeq as a JSON array of {"seq","type","from","to","timeMs"}; *terminal when
 * the job has ended. */
HGN_NODISCARD HgnStatus jobAdapterEvents(JobAdapter *a, const char *id, int64_t afterSeq, json_t **out, bool *terminal);
/* Copies the job statistics into the standard metric families (hgnMetricsSetJobStats: submitted, running,
 * queue depth, transitions, failures, step and duration histograms, retries by reason, plan nodes, bytes,
 * checkpoint cache hits). */
void jobAdapterExportMetrics(JobAdapter *a, HgnMetrics *metrics);

#endif
