/* jobAdapter.c — huginnd's seam to the job manager (include/huginn/jobs.h):
 * submit/get/list/act/events rendered as JSON, worker threads that run
 * queued jobs through the local runtime, a reaper thread (hgnJobRecover every
 * second or quarter lease: forced cancel after jobs.cancelTimeoutMs, jobs of a
 * dead huginnd requeued once their lease expires), plan files checked once per
 * content, and the job statistics exported as Prometheus metrics. */
#include "server/jobAdapter.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/fileIo.h"
#include "core/strBuf.h"
#include "huginn/jobs.h"
#include "huginn/plan.h"
#include "huginn/log.h"

#define PLANS_SEEN 64

struct JobAdapter {
    HgnJobManager *manager;
    pthread_t *threads;
    int nThreads;
    pthread_t reaper;
    bool reaperStarted;
    int64_t reapEveryMs; /* min(REAP_EVERY_MS, lease / 4) */
    atomic_bool stopping;
    /* SHA-256 of plan files that validated (jobAdapterCheckPlanFile), replaced round robin */
    pthread_mutex_t plansMu;
    unsigned char plansSeen[PLANS_SEEN][32];
    size_t nPlansSeen, nextPlanSlot;
};

#define REAP_EVERY_MS 1000

/* The reaper runs even when every worker is busy (or there are none): a stuck runner's job is
 * cancelled by force cancelTimeoutMs after the request, and the jobs of a dead huginnd are requeued
 * about one lease after the crash, within reapEveryMs. */
static void *reaperMain(void *arg) {
    JobAdapter *a = arg;
    while (!atomic_load(&a->stopping)) {
        for (int64_t i = 0; i < (a->reapEveryMs + 49) / 50 && !atomic_load(&a->stopping); i++) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (atomic_load(&a->stopping)) break;
        size_t n = 0;
        HgnStatus st = hgnJobRecover(a->manager, &n);
        if (st) {
            hgnLogStatus(HGN_LOG_WARN, "server", st);
            hgnStatusFree(st);
        } else if (n) {
            HGN_INFO("server", "reaper: %zu job(s) cancelled by force or recovered from an expired lease", n);
        }
    }
    return NULL;
}

static void *workerMain(void *arg) {
    JobAdapter *a = arg;
    while (!atomic_load(&a->stopping)) {
        bool ran = false;
        HgnStatus st = hgnJobRunNext(a->manager, &ran);
        if (st) {
            hgnLogStatus(HGN_LOG_WARN, "server", st);
            hgnStatusFree(st);
        }
        if (!ran) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

HgnStatus jobAdapterOpen(const JobAdapterConfig *cfg, JobAdapter **out) {
    *out = NULL;
    JobAdapter *a = hgnCalloc(1, sizeof *a);
    if (!a) return hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
    atomic_init(&a->stopping, false);
    pthread_mutex_init(&a->plansMu, NULL);
    HgnJobManagerConfig mc;
    hgnJobManagerConfigInit(&mc);
    HgnStatus st = hgnJobManagerConfigFromConfig(cfg->config, &mc);
    if (!st) st = hgnJobManagerOpenFromConfig(cfg->config, &mc, &a->manager);
    size_t recovered = 0;
    if (!st) st = hgnJobRecover(a->manager, &recovered);
    if (!st && recovered) HGN_INFO("server", "recovered %zu job(s) whose lease had expired", recovered);
    int64_t lease = mc.leaseMs > 0 ? mc.leaseMs : 30000;
    a->reapEveryMs = lease / 4 < REAP_EVERY_MS ? lease / 4 : REAP_EVERY_MS;
    if (!st) {
        if (pthread_create(&a->reaper, NULL, reaperMain, a) != 0)
            st = hgnStatusNew(HGN_CODE_InternalError, "jobs", NULL, "cannot start the reaper thread");
        else
            a->reaperStarted = true;
    }
    if (!st && cfg->workers > 0) {
        a->threads = hgnCalloc((size_t)cfg->workers, sizeof *a->threads);
        if (!a->threads) st = hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
        for (int i = 0; !st && i < cfg->workers; i++) {
            if (pthread_create(&a->threads[i], NULL, workerMain, a) != 0)
                st = hgnStatusNew(HGN_CODE_InternalError, "jobs", NULL, "cannot start a worker thread");
            else
                a->nThreads++;
        }
    }
    if (st) {
        jobAdapterClose(a);
        return st;
    }
    *out = a;
    return HGN_OK;
}

void jobAdapterClose(JobAdapter *a) {
    if (!a) return;
    atomic_store(&a->stopping, true);
    for (int i = 0; i < a->nThreads; i++) pthread_join(a->threads[i], NULL);
    if (a->reaperStarted) pthread_join(a->reaper, NULL);
    hgnFree(a->threads);
    hgnJobManagerClose(a->manager);
    pthread_mutex_destroy(&a->plansMu);
    hgnFree(a);
}

static bool planSeen(JobAdapter *a, const unsigned char md[32]) {
    bool seen = false;
    pthread_mutex_lock(&a->plansMu);
    for (size_t i = 0; i < a->nPlansSeen && !seen; i++) seen = memcmp(a->plansSeen[i], md, 32) == 0;
    pthread_mutex_unlock(&a->plansMu);
    return seen;
}

static void planRemember(JobAdapter *a, const unsigned char md[32]) {
    pthread_mutex_lock(&a->plansMu);
    memcpy(a->plansSeen[a->nextPlanSlot], md, 32);
    a->nextPlanSlot = (a->nextPlanSlot + 1) % PLANS_SEEN;
    if (a->nPlansSeen < PLANS_SEEN) a->nPlansSeen++;
    pthread_mutex_unlock(&a->plansMu);
}

HgnStatus jobAdapterCheckPlanFile(JobAdapter *a, const char *path, char **text) {
    *text = NULL;
    HgnBuf b;
    hgnBufInit(&b);
    HgnStatus st = hgnFileReadAll(path, (uint64_t)1 << 30, "the plan", "check the plan path", &b);
    unsigned char md[32];
    unsigned int mdLen = 0;
    /* validation depends on the content only: a digest seen before validated then */
    bool hashed = !st && EVP_Digest(hgnBufStr(&b), b.len, md, &mdLen, EVP_sha256(), NULL) == 1 && mdLen == 32;
    if (!st && !(hashed && planSeen(a, md))) {
        HgnPlan *plan = NULL;
        st = hgnPlanReadJson(hgnBufStr(&b), b.len, path, &plan);
        hgnPlanFree(plan);
        if (!st && hashed) planRemember(a, md);
    }
    if (!st) {
        *text = hgnBufDetach(&b);
        if (!*text) *text = hgnStrdup("");
        if (!*text) st = hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "reading the plan");
    }
    hgnBufFree(&b);
    return st;
}

HgnStatus jobAdapterSubmit(JobAdapter *a, const char *owner, const json_t *body, const char *planText, char id[64]) {
    const json_t *plan = json_object_get(body, "plan");
    const json_t *options = json_object_get(body, "options");
    char *planJson = plan ? json_dumps(plan, JSON_COMPACT) : NULL;
    char *optionsJson = options ? json_dumps(options, JSON_COMPACT) : NULL;
    if ((plan && !planJson) || (options && !optionsJson)) {
        free(planJson);
        free(optionsJson);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
    }
    HgnJobSubmit req = {.owner = owner,
                        .planJson = planJson ? planJson : planText, /* with planPath: read once */
                        .planPath = plan ? NULL : json_string_value(json_object_get(body, "planPath")),
                        .priority = (int32_t)json_integer_value(json_object_get(body, "priority")),
                        .maxAttempts = (int32_t)json_integer_value(json_object_get(body, "maxAttempts")),
                        .prompt = json_string_value(json_object_get(body, "prompt")),
                        .maxTokens = (int32_t)json_integer_value(json_object_get(body, "maxTokens")),
                        .optionsJson = optionsJson};
    char jobId[HGN_JOB_ID_LEN + 1];
    HgnStatus st = hgnJobSubmit(a->manager, &req, jobId);
    free(planJson);
    free(optionsJson);
    if (!st) snprintf(id, 64, "%s", jobId);
    return st;
}

static HgnStatus jobJson(const HgnJob *job, json_t **out) {
    char *text = hgnJobToJson(job, false);
    *out = text ? json_loads(text, 0, NULL) : NULL;
    hgnFree(text);
    return *out ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
}

HgnStatus jobAdapterGet(JobAdapter *a, const char *id, json_t **out, char **owner) {
    *out = NULL;
    *owner = NULL;
    HgnJob job;
    memset(&job, 0, sizeof job);
    HgnStatus st = hgnJobGet(a->manager, id, NULL, &job);
    if (!st) st = jobJson(&job, out);
    if (!st && !(*owner = hgnStrdup(job.owner ? job.owner : ""))) {
        json_decref(*out);
        *out = NULL;
        st = hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
    }
    hgnJobClear(&job);
    return st;
}

HgnStatus jobAdapterList(JobAdapter *a, const char *owner, json_t **out) {
    *out = NULL;
    HgnJobFilter f = {.owner = owner};
    HgnJobList list = {0};
    HgnStatus st = hgnJobList(a->manager, &f, &list);
    json_t *arr = st ? NULL : json_array();
    for (size_t i = 0; arr && !st && i < list.count; i++) {
        json_t *j = NULL;
        st = jobJson(&list.items[i], &j);
        if (!st) json_array_append_new(arr, j);
    }
    hgnJobListFree(&list);
    if (st) {
        json_decref(arr);
        return st;
    }
    *out = arr ? json_pack("{s:o}", "jobs", arr) : NULL;
    return *out ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
}

HgnStatus jobAdapterAct(JobAdapter *a, const char *id, const char *action) {
    if (!strcmp(action, "cancel")) return hgnJobCancel(a->manager, id, NULL);
    if (!strcmp(action, "pause")) return hgnJobPause(a->manager, id, NULL);
    if (!strcmp(action, "resume")) return hgnJobResume(a->manager, id, NULL);
    return hgnStatusNew(HGN_CODE_InvalidArgument, action, "actions are cancel, pause and resume", "unknown action");
}

static const char *kindName(HgnJobEventKind k) {
    switch (k) {
    case HGN_JOB_EVENT_STATE:
        return "state";
    case HGN_JOB_EVENT_PROGRESS:
        return "progress";
    case HGN_JOB_EVENT_CHECKPOINT:
        return "checkpoint";
    default:
        return "log";
    }
}

HgnStatus jobAdapterEvents(JobAdapter *a, const char *id, int64_t afterSeq, json_t **out, bool *isTerminal) {
    *out = NULL;
    HgnJob job;
    memset(&job, 0, sizeof job);
    /* State first, events second: a job that ended after the read still has
     * its final event delivered by the next poll. */
    HgnStatus st = hgnJobGet(a->manager, id, NULL, &job);
    if (st) return st;
    *isTerminal = hgnJobStateTerminal(job.state);
    hgnJobClear(&job);
    HgnJobEvent *ev = NULL;
    size_t n = 0;
    st = hgnJobEventsSince(a->manager, id, afterSeq, 256, &ev, &n);
    if (st) return st;
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *e = json_pack("{s:I, s:s, s:I}", "seq", (json_int_t)ev[i].seq, "type", kindName(ev[i].kind), "timeMs",
                              (json_int_t)ev[i].timeMs);
        if (!e) continue;
        if (ev[i].kind == HGN_JOB_EVENT_STATE) {
            json_object_set_new(e, "from", json_string(hgnJobStateName(ev[i].from)));
            json_object_set_new(e, "to", json_string(hgnJobStateName(ev[i].to)));
        } else if (ev[i].kind == HGN_JOB_EVENT_PROGRESS) {
            json_object_set_new(e, "stepsDone", json_integer(ev[i].stepsDone));
            json_object_set_new(e, "stepsTotal", json_integer(ev[i].stepsTotal));
        }
        if (ev[i].message) json_object_set_new(e, "message", json_string(ev[i].message));
        json_array_append_new(arr, e);
    }
    hgnJobEventsFree(ev, n);
    if (n == 256) *isTerminal = false; /* more to read */
    *out = arr;
    return arr ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, "jobs", NULL, "out of memory");
}

void jobAdapterExportMetrics(JobAdapter *a, HgnMetrics *metrics) {
    HgnJobStats s;
    memset(&s, 0, sizeof s);
    HgnStatus st = hgnJobStatsGet(a->manager, &s);
    if (!st) st = hgnMetricsSetJobStats(metrics, &s);
    if (st) {
        /* e.g. two scrapes racing: the older snapshot may not lower a counter */
        hgnLogStatus(HGN_LOG_DEBUG, "server", st);
        hgnStatusFree(st);
    }
}
