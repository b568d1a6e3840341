/* jobAdapter.h — the thin seam between huginnd's HTTP layer and the job core.
 * Everything the routes need from jobs goes through these functions, so the
 * in-memory table here can be swapped for include/huginn/jobs.h's manager
 * without touching the routes. Jobs are rendered as JSON objects. */
#ifndef HGN_SERVER_JOB_ADAPTER_H
#define HGN_SERVER_JOB_ADAPTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "huginn/status.h"

typedef struct JobAdapter JobAdapter;

HGN_NODISCARD HgnStatus jobAdapterOpen(int64_t queueLimit, JobAdapter **out);
void jobAdapterClose(JobAdapter *a);
/* HGN-0501 QueueFull when queueLimit jobs are active. */
HGN_NODISCARD HgnStatus jobAdapterSubmit(JobAdapter *a, const char *owner, const json_t *plan, const char *planPath,
                                         int priority, char id[64]);
/* The job as JSON and its owner (OUT: *owner hgnFree()d by the caller). HGN-0006 when unknown. */
HGN_NODISCARD HgnStatus jobAdapterGet(JobAdapter *a, const char *id, json_t **out, char **owner);
/* {"jobs":[…]} of owner (NULL: every owner). */
HGN_NODISCARD HgnStatus jobAdapterList(JobAdapter *a, const char *owner, json_t **out);
/* action: "cancel" | "pause" | "resume". HGN-0500 when the state table refuses. */
HGN_NODISCARD HgnStatus jobAdapterAct(JobAdapter *a, const char *id, const char *action);
/* Events with seq > afterSeq as a JSON array of {"seq","type","from","to","timeMs"}; *terminal when
 * the job has ended. */
HGN_NODISCARD HgnStatus jobAdapterEvents(JobAdapter *a, const char *id, int64_t afterSeq, json_t **out, bool *terminal);
void jobAdapterCounts(JobAdapter *a, int64_t *queued, int64_t *running);

#endif
