/* jobMetrics.c — the job manager's observations: histograms, labelled
 * counters and lifecycle log records (see jobMetrics.h). */
#include "orchestrator/jobMetrics.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "huginn/costModel.h"
#include "huginn/log.h"
#include "orchestrator/jobManagerInt.h"

/* ---- histograms ------------------------------------------------------------ */

static const double stepBounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                    0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
static const double overheadBounds[] = {1e-6,   2.5e-6, 5e-6, 1e-5,   2.5e-5, 5e-5, 1e-4,
                                        2.5e-4, 5e-4,   1e-3, 2.5e-3, 1e-2,   1e-1};
static const double durationBounds[] = {0.01, 0.05, 0.1, 0.5,  1,    5,    10,    30,
                                        60,   300,  600, 1800, 3600, 7200, 21600, 86400};

size_t hgnJobHistogramBounds(HgnJobHistogramKind kind, const double **bounds) {
    switch (kind) {
    case HGN_JOB_HIST_STEP:
        *bounds = stepBounds;
        return sizeof stepBounds / sizeof *stepBounds;
    case HGN_JOB_HIST_STEP_OVERHEAD:
        *bounds = overheadBounds;
        return sizeof overheadBounds / sizeof *overheadBounds;
    default:
        *bounds = durationBounds;
        return sizeof durationBounds / sizeof *durationBounds;
    }
}

const char *hgnJobQuantizedName(HgnJobQuantized q) {
    return q == HGN_JOB_QUANT_FALSE ? "false" : q == HGN_JOB_QUANT_TRUE ? "true" : "unknown";
}

int64_t jobMetricsNowNs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void atomicObserve(AtomicHistogram *h, HgnJobHistogramKind kind, int64_t ns) {
    if (ns < 0) ns = 0;
    const double *b;
    size_t n = hgnJobHistogramBounds(kind, &b), i = 0;
    double s = (double)ns * 1e-9;
    while (i < n && s > b[i]) i++;
    atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sumNs, (uint64_t)ns, memory_order_relaxed);
}

static void boundsInto(HgnJobHistogram *h, HgnJobHistogramKind kind) {
    const double *b;
    h->nBuckets = hgnJobHistogramBounds(kind, &b);
    memcpy(h->bounds, b, h->nBuckets * sizeof *b);
}

/* Cumulative counts; the count is their total, so +Inf == count even while other threads observe. */
static void atomicSnapshot(AtomicHistogram *h, HgnJobHistogramKind kind, HgnJobHistogram *out) {
    memset(out, 0, sizeof *out);
    boundsInto(out, kind);
    uint64_t running = 0;
    for (size_t i = 0; i < out->nBuckets; i++) {
        running += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
        out->buckets[i] = running;
    }
    running += atomic_load_explicit(&h->buckets[out->nBuckets], memory_order_relaxed);
    out->count = running;
    out->sumSeconds = (double)atomic_load_explicit(&h->sumNs, memory_order_relaxed) * 1e-9;
}

/* A histogram kept under the manager's mutex (cumulative as stored). */
static void histAdd(HgnJobHistogram *h, HgnJobHistogramKind kind, double seconds) {
    if (!h->nBuckets) boundsInto(h, kind);
    for (size_t i = 0; i < h->nBuckets; i++)
        if (seconds <= h->bounds[i]) h->buckets[i]++;
    h->count++;
    h->sumSeconds += seconds;
}

void jobMetricsSnapshot(HgnJobManager *m, HgnJobStats *out) {
    atomicSnapshot(&m->metrics.step, HGN_JOB_HIST_STEP, &out->stepSeconds);
    atomicSnapshot(&m->metrics.overhead, HGN_JOB_HIST_STEP_OVERHEAD, &out->stepOverheadSeconds);
    for (int s = 0; s < HGN_JOB_STATE_COUNT; s++)
        for (int q = 0; q < HGN_JOB_QUANT_COUNT; q++)
            if (!out->durationSeconds[s][q].nBuckets) boundsInto(&out->durationSeconds[s][q], HGN_JOB_HIST_DURATION);
}

/* ---- labelled counters (under the manager's mutex) ------------------------------ */

static void labelAdd(HgnJobLabelCount *slots, const char *label, int64_t v) {
    size_t i = 0;
    while (i < HGN_JOB_MAX_LABELS && slots[i].label[0] && strcmp(slots[i].label, label) != 0) i++;
    if (i == HGN_JOB_MAX_LABELS) {
        /* full: the last slot gathers the rest */
        i = HGN_JOB_MAX_LABELS - 1;
        snprintf(slots[i].label, sizeof slots[i].label, "%s", "other");
    } else if (!slots[i].label[0]) {
        snprintf(slots[i].label, sizeof slots[i].label, "%s", label);
    }
    slots[i].value += v;
}

/* ---- log records ------------------------------------------------------------- */

#define MAX_FIELDS 12

typedef struct Record {
    HgnLogField f[MAX_FIELDS];
    size_t n;
    char attempt[16];
} Record;

static void add(Record *r, const char *key, const char *value) {
    if (r->n < MAX_FIELDS && value) r->f[r->n++] = (HgnLogField){key, value};
}

/* event, jobId, owner, attempt: the fields every job record starts with. */
static void begin(Record *r, const char *event, const HgnJob *j) {
    r->n = 0;
    snprintf(r->attempt, sizeof r->attempt, "%d", (int)j->attempts);
    add(r, "event", event);
    add(r, "jobId", j->id);
    add(r, "owner", j->owner ? j->owner : "");
    add(r, "attempt", r->attempt);
}

/* "name" and "where" of the HGN error JSON {"error":{…}} (or of a bare error object); "" when none. */
static void errorFields(const char *errorJson, char *name, size_t nameCap, char *where, size_t whereCap) {
    json_t *o = errorJson ? json_loads(errorJson, 0, NULL) : NULL;
    json_t *e = json_object_get(o, "error");
    const char *n = json_string_value(json_object_get(e ? e : o, "name"));
    const char *w = json_string_value(json_object_get(e ? e : o, "where"));
    snprintf(name, nameCap, "%s", n ? n : "");
    if (where) snprintf(where, whereCap, "%s", w ? w : "");
    json_decref(o);
}

/* Whether an error's `where` names this plan node: its id or one of the graph nodes it runs, alone or
 * followed by '/' or ':'. */
static bool namesNode(const char *where, const char *name) {
    size_t n = name ? strlen(name) : 0;
    return n && where && strncmp(where, name, n) == 0 && (where[n] == 0 || where[n] == '/' || where[n] == ':');
}

void jobMetricsSubmitted(HgnJobManager *m, const HgnJob *job) {
    (void)m;
    if (!hgnLogEnabled(HGN_LOG_DEBUG)) return;
    Record r;
    begin(&r, "submitted", job);
    char prio[16], maxA[16];
    snprintf(prio, sizeof prio, "%d", (int)job->priority);
    snprintf(maxA, sizeof maxA, "%d", (int)job->maxAttempts);
    add(&r, "priority", prio);
    add(&r, "maxAttempts", maxA);
    hgnLogWrite(HGN_LOG_DEBUG, "jobs", r.f, r.n, "job %s submitted", job->id);
}

void jobMetricsClaimed(HgnJobManager *m, const HgnJob *job) {
    jobMetricsRunDone(); /* nothing of an earlier job on this thread */
    hgnLogContextSet("jobId", job->id);
    if (!hgnLogEnabled(HGN_LOG_INFO)) return;
    Record r;
    begin(&r, "claimed", job);
    add(&r, "lease", hgnJobManagerId(m));
    hgnLogWrite(HGN_LOG_INFO, "jobs", r.f, r.n, "job %s claimed (attempt %d of %d)", job->id, (int)job->attempts,
                (int)job->maxAttempts);
}

void jobMetricsRunDone(void) {
    hgnLogContextSet("jobId", NULL);
    hgnLogContextSet("traceId", NULL);
    hgnLogContextSet("spanId", NULL);
}

/* From the stored plan: whether its weights are quantised, and the id of the node `where` names ("" when none). */
static HgnJobQuantized planFacts(const char *planJson, const char *where, char *nodeId, size_t cap) {
    nodeId[0] = 0;
    json_t *doc = planJson ? json_loads(planJson, 0, NULL) : NULL;
    const char *w =
        json_string_value(json_object_get(json_object_get(json_object_get(doc, "header"), "model"), "weights"));
    HgnWeightFormat f;
    HgnJobQuantized q = HGN_JOB_QUANT_UNKNOWN;
    if (w && hgnWeightFormatFromName(w, &f))
        q = f == HGN_WEIGHTS_F32 || f == HGN_WEIGHTS_F16 || f == HGN_WEIGHTS_BF16 ? HGN_JOB_QUANT_FALSE
                                                                                  : HGN_JOB_QUANT_TRUE;
    json_t *nodes = json_object_get(doc, "nodes");
    for (size_t i = 0; where && where[0] && !nodeId[0] && i < json_array_size(nodes); i++) {
        json_t *node = json_array_get(nodes, i);
        const char *id = json_string_value(json_object_get(node, "id"));
        bool hit = namesNode(where, id);
        json_t *gn = json_object_get(node, "graphNodes");
        for (size_t k = 0; !hit && k < json_array_size(gn); k++)
            hit = namesNode(where, json_string_value(json_array_get(gn, k)));
        if (hit && id) snprintf(nodeId, cap, "%s", id);
    }
    json_decref(doc);
    return q;
}

void jobMetricsTransition(HgnJobManager *m, const HgnJob *job, HgnJobState from, HgnJobState to) {
    char dur[32] = "", err[64] = "", where[256] = "", nodeId[128] = "";
    bool failure = to == HGN_JOB_FAILED || (from == HGN_JOB_RUNNING && to == HGN_JOB_QUEUED);
    if (failure) errorFields(job->lastError, err, sizeof err, where, sizeof where);
    bool ended =
        from == HGN_JOB_RUNNING && hgnJobStateTerminal(to) && job->startedMs > 0 && job->finishedMs >= job->startedMs;
    HgnJobQuantized q =
        ended || where[0] ? planFacts(job->planJson, where, nodeId, sizeof nodeId) : HGN_JOB_QUANT_UNKNOWN;
    if (ended) {
        double seconds = (double)(job->finishedMs - job->startedMs) / 1000.0;
        pthread_mutex_lock(&m->mu);
        histAdd(&m->counters.durationSeconds[to][q], HGN_JOB_HIST_DURATION, seconds);
        pthread_mutex_unlock(&m->mu);
        snprintf(dur, sizeof dur, "%lld", (long long)(job->finishedMs - job->startedMs));
    }
    HgnLogLevel level = to == HGN_JOB_FAILED ? HGN_LOG_WARN : HGN_LOG_INFO;
    if (!hgnLogEnabled(level)) return;
    Record r;
    static const char *const events[] = {"queued", "running", "paused", "completed", "failed", "cancelled"};
    begin(&r, (unsigned)to < HGN_JOB_STATE_COUNT ? events[to] : "state", job);
    add(&r, "from", hgnJobStateName(from));
    add(&r, "to", hgnJobStateName(to));
    char steps[24];
    snprintf(steps, sizeof steps, "%lld", (long long)job->stepsDone);
    add(&r, "stepsDone", steps);
    if (dur[0]) add(&r, "durationMs", dur);
    if (err[0]) add(&r, "error", err);
    if (nodeId[0]) add(&r, "planNodeId", nodeId);
    hgnLogWrite(level, "jobs", r.f, r.n, "job %s %s -> %s", job->id, hgnJobStateName(from), hgnJobStateName(to));
}

/* ---- engine hooks ------------------------------------------------------------- */

void jobMetricsRunStart(ExecStep *c, const HgnPlan *plan) {
    c->stepPrevNs = jobMetricsNowNs();
    size_t nNodes = plan ? plan->nNodes : 0;
    pthread_mutex_lock(&c->m->mu);
    for (size_t i = 0; i < nNodes; i++) {
        int32_t d = plan->nodes[i].device;
        const char *kind =
            d >= 0 && (size_t)d < plan->nDevices && plan->devices[d].kind ? plan->devices[d].kind : "cpu";
        labelAdd(c->m->counters.planNodesByBackend, kind, 1);
    }
    pthread_mutex_unlock(&c->m->mu);
    if (!hgnLogEnabled(HGN_LOG_INFO)) return;
    Record r;
    begin(&r, "started", c->job);
    char nodes[24], total[24];
    snprintf(nodes, sizeof nodes, "%zu", nNodes);
    snprintf(total, sizeof total, "%d", (int)c->job->maxTokens);
    add(&r, "planNodes", nodes);
    add(&r, "maxTokens", total);
    hgnLogWrite(HGN_LOG_INFO, "jobs", r.f, r.n, "job %s started: %zu plan nodes", c->job->id, nNodes);
}

void jobMetricsStepBegin(ExecStep *c) { c->stepBeginNs = jobMetricsNowNs(); }

void jobMetricsStepEnd(ExecStep *c) {
    int64_t now = jobMetricsNowNs();
    int64_t begun = c->stepBeginNs ? c->stepBeginNs : now;
    int64_t prev = c->stepPrevNs ? c->stepPrevNs : begun;
    atomicObserve(&c->m->metrics.step, HGN_JOB_HIST_STEP, now - prev);
    atomicObserve(&c->m->metrics.overhead, HGN_JOB_HIST_STEP_OVERHEAD, now - begun);
    c->stepPrevNs = now;
}

void jobMetricsCheckpoint(ExecStep *c, const char *path) {
    if (!hgnLogEnabled(HGN_LOG_DEBUG)) return;
    Record r;
    begin(&r, "checkpoint", c->job);
    char step[24];
    snprintf(step, sizeof step, "%lld", (long long)c->job->stepsDone);
    add(&r, "step", step);
    add(&r, "path", path);
    hgnLogWrite(HGN_LOG_DEBUG, "jobs", r.f, r.n, "job %s checkpoint at step %s", c->job->id, step);
}

/* The plan node an error names (namesNode: the node's id or one of its graph nodes), NULL when none. */
static const char *errorPlanNode(const HgnPlan *plan, HgnStatus e) {
    const char *where = e ? hgnStatusWhere(e) : NULL;
    for (size_t i = 0; where && plan && i < plan->nNodes; i++) {
        const HgnPlanNode *n = &plan->nodes[i];
        bool hit = namesNode(where, n->id);
        for (size_t g = 0; !hit && g < n->nGraphNodes; g++) hit = namesNode(where, n->graphNodes[g]);
        if (hit) return n->id;
    }
    return NULL;
}

void jobMetricsRunEnd(ExecStep *c, const HgnRuntime *rt, const HgnGenerateResult *r, const HgnPlan *plan, HgnStatus e) {
    HgnRuntimeStats st;
    memset(&st, 0, sizeof st);
    if (rt) hgnRuntimeGetStats(rt, &st);
    bool resumed = !e && r && r->resumedAt > 0;
    pthread_mutex_lock(&c->m->mu);
    c->m->counters.bytesDeviceToDevice += (int64_t)st.bytesTransferred;
    if (resumed) c->m->counters.checkpointResumes++;
    pthread_mutex_unlock(&c->m->mu);
    HgnLogLevel level = e ? HGN_LOG_WARN : HGN_LOG_INFO;
    if (!hgnLogEnabled(level)) return;
    Record rec;
    begin(&rec, "runEnded", c->job);
    char steps[24], bytes[24], resumedAt[16];
    snprintf(steps, sizeof steps, "%lld", (long long)c->job->stepsDone);
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)st.bytesTransferred);
    snprintf(resumedAt, sizeof resumedAt, "%d", r ? (int)r->resumedAt : 0);
    add(&rec, "status", e ? "error" : "ok");
    add(&rec, "stepsDone", steps);
    add(&rec, "bytesTransferred", bytes);
    if (resumed) add(&rec, "resumedAt", resumedAt);
    if (e) {
        add(&rec, "error", hgnCodeName(hgnStatusCode(e)));
        add(&rec, "where", hgnStatusWhere(e));
        add(&rec, "planNodeId", errorPlanNode(plan, e));
        hgnLogWrite(level, "jobs", rec.f, rec.n, "job %s run failed: %s", c->job->id, hgnStatusMessage(e));
    } else {
        hgnLogWrite(level, "jobs", rec.f, rec.n, "job %s run ended after %s steps", c->job->id, steps);
    }
}

void jobMetricsRetry(HgnJobManager *m, HgnJob *job, int64_t backoffMs) {
    char reason[64];
    errorFields(job->lastError, reason, sizeof reason, NULL, 0);
    if (!reason[0]) snprintf(reason, sizeof reason, "%s", "unknown");
    pthread_mutex_lock(&m->mu);
    m->counters.retries++;
    labelAdd(m->counters.retriesByReason, reason, 1);
    pthread_mutex_unlock(&m->mu);
    if (!hgnLogEnabled(HGN_LOG_WARN)) return;
    Record r;
    begin(&r, "retryScheduled", job);
    char wait[24], maxA[16];
    snprintf(wait, sizeof wait, "%lld", (long long)backoffMs);
    snprintf(maxA, sizeof maxA, "%d", (int)job->maxAttempts);
    add(&r, "reason", reason);
    add(&r, "backoffMs", wait);
    add(&r, "maxAttempts", maxA);
    hgnLogWrite(HGN_LOG_WARN, "jobs", r.f, r.n, "job %s: retry after %lld ms (%s)", job->id, (long long)backoffMs,
                reason);
}
