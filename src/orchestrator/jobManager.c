/* jobManager.c — the job manager: UUIDv7 ids, submission with quotas (queue
 * and memory), reads, cancel/pause/resume through the one transition table
 * (compare-and-set writes with their events; stop requests of running jobs,
 * flagged at once for runs of this manager), event subscription, fair-share
 * claiming (delegated to the store), the reaper (forced cancel after
 * cancelTimeoutMs, expired leases) and statistics. Submissions commit in groups
 * through submitBatcher.c. */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/strBuf.h"
#include "huginn/log.h"
#include "orchestrator/jobManagerInt.h"
#include "orchestrator/submitBatcher.h"
#include "orchestrator/jobOptions.h"

void hgnJobClear(HgnJob *j) {
    if (!j) return;
    hgnFree(j->owner);
    hgnFree(j->planJson);
    hgnFree(j->planDigest);
    hgnFree(j->planPath);
    hgnFree(j->lastError);
    hgnFree(j->metricsJson);
    hgnFree(j->artefactsPath);
    hgnFree(j->resultText);
    hgnFree(j->leaseOwner);
    hgnFree(j->checkpointPath);
    hgnFree(j->prompt);
    hgnFree(j->optionsJson);
    hgnFree(j->retriesJson);
    memset(j, 0, sizeof *j);
}

void hgnJobListFree(HgnJobList *l) {
    if (!l) return;
    for (size_t i = 0; i < l->count; i++) hgnJobClear(&l->items[i]);
    hgnFree(l->items);
    l->items = NULL;
    l->count = 0;
}

static void setStr(json_t *o, const char *k, const char *v) {
    json_object_set_new(o, k, v ? json_string(v) : json_null());
}

char *hgnJobToJson(const HgnJob *j, bool withPlan) {
    json_t *o = json_object();
    if (!o) return NULL;
    setStr(o, "id", j->id);
    setStr(o, "owner", j->owner);
    setStr(o, "state", hgnJobStateName(j->state));
    json_object_set_new(o, "priority", json_integer(j->priority));
    setStr(o, "planDigest", j->planDigest);
    setStr(o, "planPath", j->planPath);
    json_object_set_new(o, "createdMs", json_integer(j->createdMs));
    json_object_set_new(o, "updatedMs", json_integer(j->updatedMs));
    json_object_set_new(o, "startedMs", json_integer(j->startedMs));
    json_object_set_new(o, "finishedMs", json_integer(j->finishedMs));
    json_object_set_new(o, "attempts", json_integer(j->attempts));
    json_object_set_new(o, "maxAttempts", json_integer(j->maxAttempts));
    json_object_set_new(o, "progress", json_real(j->progress));
    json_object_set_new(o, "stepsDone", json_integer(j->stepsDone));
    json_object_set_new(o, "stepsTotal", json_integer(j->stepsTotal));
    json_t *err = j->lastError ? json_loads(j->lastError, 0, NULL) : NULL;
    json_object_set_new(o, "lastError", err ? err : json_null());
    json_t *met = j->metricsJson ? json_loads(j->metricsJson, 0, NULL) : NULL;
    json_object_set_new(o, "metrics", met ? met : json_null());
    setStr(o, "artefactsPath", j->artefactsPath);
    setStr(o, "result", j->resultText);
    setStr(o, "checkpointPath", j->checkpointPath);
    json_object_set_new(o, "cancelRequested", json_boolean(j->cancelRequested));
    json_object_set_new(o, "cancelRequestedMs", json_integer(j->cancelRequestedMs));
    json_object_set_new(o, "pauseRequested", json_boolean(j->pauseRequested));
    json_object_set_new(o, "checkpointStep", json_integer(j->checkpointStep));
    json_object_set_new(o, "maxTokens", json_integer(j->maxTokens));
    json_t *opt = j->optionsJson ? json_loads(j->optionsJson, 0, NULL) : NULL;
    json_object_set_new(o, "options", opt ? opt : json_null());
    json_object_set_new(o, "memoryBytes", json_integer(j->memoryBytes));
    json_t *rt = j->retriesJson ? json_loads(j->retriesJson, 0, NULL) : NULL;
    json_object_set_new(o, "retriesByReason", rt ? rt : json_object());
    if (withPlan && j->planJson) {
        json_t *p = json_loads(j->planJson, 0, NULL);
        json_object_set_new(o, "plan", p ? p : json_null());
    }
    char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!txt) return NULL;
    char *r = hgnStrdup(txt);
    free(txt);
    return r;
}

/* ---- clock, randomness, ids ---------------------------------------------- */

int64_t managerNow(HgnJobManager *m) {
    if (m->cfg.now) return m->cfg.now(m->cfg.nowUser);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t managerRandom(HgnJobManager *m) {
    if (m->cfg.random) return m->cfg.random(m->cfg.randomUser);
    uint64_t r = 0;
    if (RAND_bytes((unsigned char *)&r, sizeof r) != 1) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();
    }
    return r;
}

/* UUIDv7 (RFC 9562): 48-bit Unix ms, version 7, 12 random bits, variant 10, 62 random bits. */
static void makeUuid7(HgnJobManager *m, char out[HGN_JOB_ID_LEN + 1]) {
    uint64_t ms = (uint64_t)managerNow(m);
    uint64_t r1 = managerRandom(m), r2 = managerRandom(m);
    unsigned char b[16];
    for (int i = 0; i < 6; i++) b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | (r1 & 0x0F));
    b[7] = (unsigned char)(r1 >> 8);
    b[8] = (unsigned char)(0x80 | ((r2 >> 56) & 0x3F));
    for (int i = 9; i < 16; i++) b[i] = (unsigned char)(r2 >> (8 * (i - 9)));
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
        out[k++] = hex[b[i] >> 4];
        out[k++] = hex[b[i] & 15];
    }
    out[k] = 0;
}

static char *sha256Hex(const char *s, size_t n) {
    unsigned char md[32];
    unsigned int mdLen = 0;
    if (EVP_Digest(s, n, md, &mdLen, EVP_sha256(), NULL) != 1) return NULL;
    char *out = hgnMalloc(7 + 64 + 1);
    if (!out) return NULL;
    memcpy(out, "sha256:", 7);
    for (unsigned i = 0; i < 32; i++) snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    return out;
}

/* ---- events ------------------------------------------------------------- */

void managerEmit(HgnJobManager *m, HgnJobEvent *ev) { managerEmitEx(m, ev, true); }

void managerEmitEx(HgnJobManager *m, HgnJobEvent *ev, bool persist) {
    if (!ev->timeMs) ev->timeMs = managerNow(m);
    if (persist) {
        HgnStatus e = m->store->ops->appendEvent(m->store, ev);
        hgnStatusFree(e); /* the event log is best effort; the job row is the truth */
    }
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->nSubs; i++) m->subs[i].fn(m->subs[i].user, ev);
    pthread_mutex_unlock(&m->mu);
}

int64_t hgnJobSubscribe(HgnJobManager *m, HgnJobEventFn fn, void *user) {
    pthread_mutex_lock(&m->mu);
    Subscriber *n = hgnRealloc(m->subs, (m->nSubs + 1) * sizeof *n);
    int64_t h = 0;
    if (n) {
        m->subs = n;
        h = ++m->nextHandle;
        m->subs[m->nSubs++] = (Subscriber){h, fn, user};
    }
    pthread_mutex_unlock(&m->mu);
    return h;
}

void hgnJobUnsubscribe(HgnJobManager *m, int64_t handle) {
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->nSubs; i++)
        if (m->subs[i].handle == handle) {
            m->subs[i] = m->subs[--m->nSubs];
            break;
        }
    pthread_mutex_unlock(&m->mu);
}

HgnStatus hgnJobEventsSince(HgnJobManager *m, const char *jobId, int64_t afterSeq, size_t max, HgnJobEvent **out,
                            size_t *count) {
    return m->store->ops->events(m->store, jobId, afterSeq, max, out, count);
}

bool managerCasLost(HgnStatus st) {
    return st && hgnStatusCode(st) == HGN_CODE_InvalidTransition && strstr(hgnStatusMessage(st), "as expected");
}

HgnStatus managerStoreWrite(HgnJobManager *m, const HgnJob *job, const HgnJobExpect *expect, HgnJobEvent *ev) {
    if (ev && !ev->timeMs) ev->timeMs = job->updatedMs ? job->updatedMs : managerNow(m);
    if (m->store->ops->transition) return m->store->ops->transition(m->store, job, expect, ev);
    /* a store without the atomic op: state-only compare-and-set, then the event */
    HgnStatus e = m->store->ops->update(m->store, job, expect->state);
    if (!e && ev) hgnStatusFree(m->store->ops->appendEvent(m->store, ev));
    return e;
}

HgnStatus managerStopRequests(HgnJobManager *m, const char *id, const char *leaseOwner, bool *cancel, bool *pause,
                              bool *leaseHeld) {
    if (m->store->ops->stopRequests)
        return m->store->ops->stopRequests(m->store, id, leaseOwner, cancel, pause, leaseHeld);
    HgnJob j;
    HgnStatus e = m->store->ops->get(m->store, id, &j);
    /* cppcheck-suppress returnDanglingLifetime ; the status is a heap object, not a view of the local */
    if (e) return e;
    *cancel = j.cancelRequested;
    *pause = j.pauseRequested;
    *leaseHeld = j.state == HGN_JOB_RUNNING && j.leaseOwner && leaseOwner && strcmp(j.leaseOwner, leaseOwner) == 0;
    hgnJobClear(&j);
    return HGN_OK;
}

HgnStatus managerTransition(HgnJobManager *m, HgnJob *job, HgnJobState to, const char *message) {
    return managerTransitionEx(m, job, to, message, NULL);
}

HgnStatus managerTransitionEx(HgnJobManager *m, HgnJob *job, HgnJobState to, const char *message,
                              const HgnJobExpect *expect) {
    HgnJobState from = job->state;
    HgnStatus e = hgnJobTransitionCheck(from, to);
    if (e) return e;
    HgnJobExpect ex = {.state = from,
                       .leaseOwner = from == HGN_JOB_RUNNING ? job->leaseOwner : NULL,
                       .cancelSeen = job->cancelRequested,
                       .pauseSeen = job->pauseRequested};
    if (expect) ex = *expect;
    /* what a failed write must leave as it was */
    char *leaseOwner = job->leaseOwner;
    int64_t leaseExpiresMs = job->leaseExpiresMs, updatedMs = job->updatedMs, finishedMs = job->finishedMs;
    bool pauseRequested = job->pauseRequested;
    job->state = to;
    job->updatedMs = managerNow(m);
    if (hgnJobStateTerminal(to)) job->finishedMs = job->updatedMs;
    if (to != HGN_JOB_RUNNING) {
        job->leaseOwner = NULL;
        job->leaseExpiresMs = 0;
    }
    if (to == HGN_JOB_QUEUED || to == HGN_JOB_PAUSED) job->pauseRequested = false;
    HgnJobEvent ev = {.kind = HGN_JOB_EVENT_STATE,
                      .from = from,
                      .to = to,
                      .stepsDone = job->stepsDone,
                      .stepsTotal = job->stepsTotal,
                      .message = message};
    memcpy(ev.jobId, job->id, sizeof ev.jobId);
    e = managerStoreWrite(m, job, &ex, &ev);
    if (e) {
        job->state = from;
        job->leaseOwner = leaseOwner;
        job->leaseExpiresMs = leaseExpiresMs;
        job->updatedMs = updatedMs;
        job->finishedMs = finishedMs;
        job->pauseRequested = pauseRequested;
        return e;
    }
    if (job->leaseOwner != leaseOwner) hgnFree(leaseOwner);
    pthread_mutex_lock(&m->mu);
    m->counters.transitions[from][to]++;
    pthread_mutex_unlock(&m->mu);
    jobMetricsTransition(m, job, from, to);
    managerEmitEx(m, &ev, false); /* stored with the row */
    return HGN_OK;
}

/* ---- runs in progress (instant local stop) ------------------------------ */

void managerRunAdd(HgnJobManager *m, ExecStep *c) {
    pthread_mutex_lock(&m->runsMu);
    c->nextRun = m->runs;
    m->runs = c;
    pthread_mutex_unlock(&m->runsMu);
}

void managerRunRemove(HgnJobManager *m, ExecStep *c) {
    pthread_mutex_lock(&m->runsMu);
    for (ExecStep **p = &m->runs; *p; p = &(*p)->nextRun)
        if (*p == c) {
            *p = c->nextRun;
            break;
        }
    c->nextRun = NULL;
    pthread_mutex_unlock(&m->runsMu);
}

/* Flags this manager's run of job id (if any) to stop after its current token. */
static void flagLocalRun(HgnJobManager *m, const char *id, int flag) {
    pthread_mutex_lock(&m->runsMu);
    for (ExecStep *c = m->runs; c; c = c->nextRun)
        if (strcmp(c->job->id, id) == 0) atomic_fetch_or(&c->stopFlags, flag);
    pthread_mutex_unlock(&m->runsMu);
}

/* ---- open / close ------------------------------------------------------- */

void hgnJobManagerConfigInit(HgnJobManagerConfig *c) { memset(c, 0, sizeof *c); }

char *hgnJobStoreDefaultPath(void) {
    const char *state = getenv("XDG_STATE_HOME");
    HgnBuf b;
    hgnBufInit(&b);
    if (state && *state)
        hgnBufAppendf(&b, "%s/huginn", state);
    else
        hgnBufAppendf(&b, "%s/.local/state/huginn", getenv("HOME") ? getenv("HOME") : ".");
    /* mkdir -p of the last two components is enough for the XDG layout */
    char *dir = hgnBufDetach(&b);
    if (!dir) return NULL;
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(dir, 0700);
            *p = '/';
        }
    mkdir(dir, 0700);
    hgnBufInit(&b);
    hgnBufAppendf(&b, "%s/jobs.db", dir);
    hgnFree(dir);
    return hgnBufDetach(&b);
}

HgnStatus hgnJobManagerOpen(const HgnJobManagerConfig *cfg, HgnJobManager **out) {
    *out = NULL;
    HgnJobManager *m = hgnCalloc(1, sizeof *m);
    if (!m) {
        if (cfg && cfg->store && cfg->adoptStore) hgnJobStoreClose(cfg->store);
        return hgnStatusNew(HGN_CODE_OutOfMemory, "job manager", NULL, "opening the job manager");
    }
    if (cfg) m->cfg = *cfg;
    HgnJobManagerConfig *c = &m->cfg;
    if (c->maxQueuedPerOwner <= 0) c->maxQueuedPerOwner = 1000;
    if (c->maxRunningPerOwner <= 0) c->maxRunningPerOwner = 4;
    if (c->maxQueuedTotal <= 0) c->maxQueuedTotal = 100000;
    if (c->maxAttempts <= 0) c->maxAttempts = 3;
    if (c->leaseMs <= 0) c->leaseMs = 30000;
    if (c->backoffBaseMs <= 0) c->backoffBaseMs = 500;
    if (c->backoffCapMs <= 0) c->backoffCapMs = 60000;
    if (c->checkpointEvery <= 0) c->checkpointEvery = 16;
    if (c->cancelTimeoutMs <= 0) c->cancelTimeoutMs = 30000;
    if (c->submitBatchMax <= 0) c->submitBatchMax = 256;
    if (!(c->defaultShare > 0)) c->defaultShare = 1.0;
    if (c->nShares > HGN_JOB_SHARES_MAX) c->nShares = HGN_JOB_SHARES_MAX;
    for (size_t i = 0; i < c->nShares; i++) c->shares[i].owner = NULL; /* copies below */
    c->storePath = NULL;
    c->managerId = NULL;
    c->artifactsRoot = NULL;
    pthread_mutex_init(&m->mu, NULL);
    pthread_mutex_init(&m->runsMu, NULL);
    pthread_mutex_init(&m->recoverMu, NULL);
    HgnStatus e = HGN_OK;
    if (cfg && cfg->store) {
        m->store = cfg->store;
        m->ownsStore = cfg->adoptStore;
    } else {
        char *path = cfg && cfg->storePath ? hgnStrdup(cfg->storePath) : hgnJobStoreDefaultPath();
        if (!path) e = hgnStatusNew(HGN_CODE_OutOfMemory, "job manager", NULL, "store path");
        if (!e) e = hgnJobStoreOpenSqliteWith(path, cfg ? cfg->durability : HGN_JOB_DURABILITY_FULL, &m->store);
        if (!e && !(cfg && cfg->artifactsRoot) && strcmp(path, ":memory:") != 0) {
            const char *slash = strrchr(path, '/');
            HgnBuf b;
            hgnBufInit(&b);
            if (slash)
                hgnBufAppendf(&b, "%.*s/artifacts", (int)(slash - path), path);
            else
                hgnBufAppendStr(&b, "artifacts");
            m->artifactsRoot = hgnBufDetach(&b);
            if (!m->artifactsRoot) e = hgnStatusNew(HGN_CODE_OutOfMemory, "job manager", NULL, "artefacts root");
        }
        hgnFree(path);
        m->ownsStore = true;
    }
    if (!e && cfg && cfg->artifactsRoot) {
        m->artifactsRoot = hgnStrdup(cfg->artifactsRoot);
        if (!m->artifactsRoot) e = hgnStatusNew(HGN_CODE_OutOfMemory, "job manager", NULL, "artefacts root");
    }
    if (!e) {
        HgnBuf b;
        hgnBufInit(&b);
        if (cfg && cfg->managerId) {
            hgnBufAppendStr(&b, cfg->managerId);
        } else {
            char host[64] = "host";
            gethostname(host, sizeof host - 1);
            hgnBufAppendf(&b, "%s:%d:%08llx", host, (int)getpid(),
                          (unsigned long long)(managerRandom(m) & 0xffffffffu));
        }
        m->id = hgnBufDetach(&b);
        if (!m->id) e = hgnStatusNew(HGN_CODE_OutOfMemory, "job manager", NULL, "manager id");
    }
    for (size_t i = 0; !e && i < c->nShares; i++) { /* the manager owns its copy of the share names */
        m->shareOwners[i] = cfg->shares[i].owner ? hgnStrdup(cfg->shares[i].owner) : NULL;
        if (cfg->shares[i].owner && !m->shareOwners[i])
            e = hgnStatusNew(HGN_CODE_OutOfMemory, "job manager", NULL, "share owners");
        c->shares[i].owner = m->shareOwners[i];
    }
    if (!e) e = submitBatcherCreate(m, c->submitBatchMax, &m->batcher);
    if (e) {
        hgnJobManagerClose(m);
        return e;
    }
    *out = m;
    return HGN_OK;
}

void hgnJobManagerClose(HgnJobManager *m) {
    if (!m) return;
    submitBatcherFree(m->batcher);
    if (m->ownsStore) hgnJobStoreClose(m->store);
    hgnFree(m->subs);
    hgnFree(m->id);
    hgnFree(m->artifactsRoot);
    for (size_t i = 0; i < HGN_JOB_SHARES_MAX; i++) hgnFree(m->shareOwners[i]);
    pthread_mutex_destroy(&m->mu);
    pthread_mutex_destroy(&m->runsMu);
    pthread_mutex_destroy(&m->recoverMu);
    hgnFree(m);
}

HgnJobStore *hgnJobManagerStore(HgnJobManager *m) { return m->store; }
const char *hgnJobManagerId(const HgnJobManager *m) { return m->id; }

/* ---- submit / read ------------------------------------------------------ */

static HgnStatus readWhole(const char *path, char **out) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return hgnStatusNew(HGN_CODE_NotFound, path, "check the plan path", "cannot open the plan: %s",
                            strerror(errno));
    HgnBuf b;
    hgnBufInit(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) hgnBufAppend(&b, chunk, n);
    bool err = ferror(f);
    fclose(f);
    if (err) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_IoError, path, NULL, "reading the plan failed");
    }
    if (!hgnBufOk(&b)) {
        hgnBufFree(&b);
        return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "reading the plan");
    }
    *out = hgnBufDetach(&b);
    if (!*out) *out = hgnStrdup("");
    return *out ? HGN_OK : hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "reading the plan");
}

/* The plan's peak memory: assertions.peakBytes summed over its devices (0 when the plan has none). */
static int64_t planMemoryBytes(const json_t *plan) {
    const json_t *peak = json_object_get(json_object_get(plan, "assertions"), "peakBytes");
    int64_t sum = 0;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)peak, k, v) {
        (void)k;
        json_int_t b = json_is_integer(v) ? json_integer_value(v) : 0;
        if (b > 0) sum = b > INT64_MAX - sum ? INT64_MAX : sum + (int64_t)b;
    }
    return sum;
}

/* A job that alone needs more than the owner's memory quota could never be claimed: refused now. */
static HgnStatus checkMemoryQuota(const HgnJobManager *m, const char *owner, int64_t need) {
    if (m->cfg.maxMemoryPerOwner <= 0 || need <= m->cfg.maxMemoryPerOwner) return HGN_OK;
    return hgnStatusNew(HGN_CODE_OverBudget, "jobs.maxMemoryPerOwner",
                        "raise `jobs.maxMemoryPerOwner` in the configuration, or plan the model for less memory "
                        "(shorter context, smaller batch, smaller KV cache type)",
                        "the job needs %lld bytes (the plan's peak memory over its devices), more than the memory "
                        "quota of %lld bytes per owner (`%s`): it could never run",
                        (long long)need, (long long)m->cfg.maxMemoryPerOwner, owner);
}

HgnStatus hgnJobSubmit(HgnJobManager *m, const HgnJobSubmit *req, char idOut[HGN_JOB_ID_LEN + 1]) {
    idOut[0] = 0;
    if (!req || !req->owner || !*req->owner)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "owner", "name the submitting user", "a job needs an owner");
    if (req->priority < -100 || req->priority > 100)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "priority", "use -100..100", "priority %d is out of range",
                            (int)req->priority);
    if (!req->planJson && !req->planPath)
        return hgnStatusNew(HGN_CODE_InvalidArgument, "plan", "pass the plan inline or by path", "no plan given");
    HgnJobOptions opts; /* checked now, so that a bad option is the submitter's error, not a failed job */
    HgnStatus e = hgnJobOptionsParse(req->optionsJson, &opts);
    hgnJobOptionsClear(&opts);
    if (e) return e;
    char *text = NULL;
    if (req->planJson) {
        text = hgnStrdup(req->planJson);
        if (!text) return hgnStatusNew(HGN_CODE_OutOfMemory, "submit", NULL, "copying the plan");
    } else if ((e = readWhole(req->planPath, &text))) {
        return e;
    }
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc || !json_is_object(doc)) {
        char where[64];
        snprintf(where, sizeof where, "%d:%d", jerr.line, jerr.column);
        e = doc ? hgnStatusNew(HGN_CODE_PlanSchemaViolation, "/", "a plan is a JSON object made by `huginn plan`",
                               "the plan is not a JSON object")
                : hgnStatusNew(HGN_CODE_InvalidJson, where, "fix the JSON syntax", "the plan is not valid JSON: %s",
                               jerr.text);
        if (req->planPath) hgnStatusPrefixWhere(e, req->planPath);
        json_decref(doc);
        hgnFree(text);
        return e;
    }
    int64_t memoryBytes = planMemoryBytes(doc);
    json_decref(doc);
    if ((e = checkMemoryQuota(m, req->owner, memoryBytes))) {
        hgnFree(text);
        return e;
    }
    HgnJob j;
    memset(&j, 0, sizeof j);
    makeUuid7(m, j.id);
    j.owner = hgnStrdup(req->owner);
    j.planJson = text;
    j.planDigest = sha256Hex(text, strlen(text));
    if (req->planPath) {
        /* absolute, so that a worker in another folder finds the plan's relative model path */
        char *abs = realpath(req->planPath, NULL);
        j.planPath = hgnStrdup(abs ? abs : req->planPath);
        free(abs);
    }
    j.prompt = hgnStrdup(req->prompt ? req->prompt : "");
    j.maxTokens = req->maxTokens > 0 ? req->maxTokens : 16;
    if (req->optionsJson && !(j.optionsJson = hgnStrdup(req->optionsJson)))
        e = hgnStatusNew(HGN_CODE_OutOfMemory, "submit", NULL, "generation options");
    j.priority = req->priority;
    j.memoryBytes = memoryBytes;
    j.state = HGN_JOB_QUEUED;
    j.createdMs = j.updatedMs = managerNow(m);
    j.maxAttempts = req->maxAttempts > 0 ? req->maxAttempts : m->cfg.maxAttempts;
    if (m->artifactsRoot) {
        HgnBuf b;
        hgnBufInit(&b);
        hgnBufAppendf(&b, "%s/%s", m->artifactsRoot, j.id);
        j.artefactsPath = hgnBufDetach(&b);
        if (!j.artefactsPath) e = hgnStatusNew(HGN_CODE_OutOfMemory, "submit", NULL, "artefacts path");
    }
    if (!e && (!j.owner || !j.planDigest || !j.prompt || (req->planPath && !j.planPath)))
        e = hgnStatusNew(HGN_CODE_OutOfMemory, "submit", NULL, "building the job");
    /* quotas and the durable insert, grouped with concurrent submissions (submitBatcher.c) */
    int64_t seq = 0;
    if (!e) e = submitBatcherSubmit(m->batcher, &j, &seq);
    if (!e) {
        memcpy(idOut, j.id, HGN_JOB_ID_LEN + 1);
        pthread_mutex_lock(&m->mu);
        m->counters.submitted++;
        pthread_mutex_unlock(&m->mu);
        jobMetricsSubmitted(m, &j);
        /* the store wrote the "submitted" event with the row; subscribers get it with its seq */
        HgnJobEvent ev = {.kind = HGN_JOB_EVENT_STATE,
                          .from = HGN_JOB_QUEUED,
                          .to = HGN_JOB_QUEUED,
                          .timeMs = j.createdMs,
                          .message = "submitted",
                          .seq = seq};
        memcpy(ev.jobId, j.id, sizeof ev.jobId);
        managerEmitEx(m, &ev, false);
    }
    hgnJobClear(&j);
    /* cppcheck-suppress returnDanglingLifetime ; the status is a heap object, not a view of the local */
    return e;
}

HgnStatus hgnJobGet(HgnJobManager *m, const char *id, const char *asUser, HgnJob *out) {
    memset(out, 0, sizeof *out);
    if (!id || !*id) return hgnStatusNew(HGN_CODE_InvalidArgument, "id", "pass a job id", "no job id given");
    HgnStatus e = m->store->ops->get(m->store, id, out);
    if (e) return e;
    if (asUser && strcmp(asUser, out->owner) != 0) {
        hgnJobClear(out);
        return hgnStatusNew(HGN_CODE_JobNotFound, NULL, "list your jobs with `huginn jobs`", "no job `%s`", id);
    }
    return HGN_OK;
}

HgnStatus hgnJobList(HgnJobManager *m, const HgnJobFilter *f, HgnJobList *out) {
    return m->store->ops->list(m->store, f, out);
}

/* ---- cancel / pause / resume ------------------------------------------- */

typedef enum Action { ACT_CANCEL, ACT_PAUSE, ACT_RESUME } Action;

static HgnStatus act(HgnJobManager *m, const char *id, const char *asUser, Action a) {
    for (int tries = 0; tries < 8; tries++) {
        HgnJob j;
        HgnStatus e = hgnJobGet(m, id, asUser, &j);
        if (e) return e;
        HgnJobState to = a == ACT_CANCEL ? HGN_JOB_CANCELLED : a == ACT_PAUSE ? HGN_JOB_PAUSED : HGN_JOB_QUEUED;
        if (a == ACT_RESUME && j.state != HGN_JOB_PAUSED) {
            /* PAUSED → QUEUED is the only resume; RUNNING → QUEUED is the engine's (retry, lost lease) */
            e = hgnStatusNew(HGN_CODE_InvalidTransition, NULL, "only a PAUSED job can be resumed",
                             "a %s job cannot be resumed", hgnJobStateName(j.state));
            hgnJobClear(&j);
            return e;
        }
        if (j.state == HGN_JOB_RUNNING && (a == ACT_CANCEL || a == ACT_PAUSE)) {
            /* graceful: the runner holding the lease stops after its current token; the request is
             * written against the lease read here, so a runner that ends meanwhile wins (and this
             * reads again), and a runner's own write never drops a request it has not seen */
            bool cancel = a == ACT_CANCEL;
            if (cancel ? !j.cancelRequested : !j.pauseRequested) {
                HgnJobExpect ex = {
                    .state = HGN_JOB_RUNNING, .leaseOwner = j.leaseOwner, .cancelSeen = true, .pauseSeen = true};
                j.updatedMs = managerNow(m);
                if (cancel) {
                    j.cancelRequested = true;
                    if (!j.cancelRequestedMs) j.cancelRequestedMs = j.updatedMs;
                } else {
                    j.pauseRequested = true;
                }
                HgnJobEvent ev = {.kind = HGN_JOB_EVENT_LOG,
                                  .stepsDone = j.stepsDone,
                                  .stepsTotal = j.stepsTotal,
                                  .message = cancel ? "cancel requested" : "pause requested"};
                memcpy(ev.jobId, j.id, sizeof ev.jobId);
                e = managerStoreWrite(m, &j, &ex, &ev);
                if (!e) managerEmitEx(m, &ev, false);
            }
            if (!e) flagLocalRun(m, j.id, cancel ? EXEC_STOP_CANCEL : EXEC_STOP_PAUSE);
        } else {
            e = managerTransition(m, &j, to, NULL);
        }
        hgnJobClear(&j);
        /* the row moved between our read and our compare-and-set write: read again */
        if (managerCasLost(e)) {
            hgnStatusFree(e);
            continue;
        }
        return e;
    }
    return hgnStatusNew(HGN_CODE_StoreError, id, "retry", "job `%s` keeps changing state", id);
}

HgnStatus hgnJobCancel(HgnJobManager *m, const char *id, const char *asUser) { return act(m, id, asUser, ACT_CANCEL); }
HgnStatus hgnJobPause(HgnJobManager *m, const char *id, const char *asUser) { return act(m, id, asUser, ACT_PAUSE); }
HgnStatus hgnJobResume(HgnJobManager *m, const char *id, const char *asUser) { return act(m, id, asUser, ACT_RESUME); }

/* ---- running, recovery, stats ------------------------------------------ */

/* One RUNNING job (as listed): forced cancel when its cancel request is older than cancelTimeoutMs
 * or its lease expired; back to QUEUED (PAUSED when a pause was asked) when its lease expired.
 * *moved: whether this call moved it (a runner or another reaper that got there first wins). */
static HgnStatus reapOne(HgnJobManager *m, const HgnJob *listed, int64_t now, bool *moved) {
    *moved = false;
    bool expired = listed->leaseExpiresMs < now;
    bool forceCancel =
        listed->cancelRequested && (expired || now - listed->cancelRequestedMs >= m->cfg.cancelTimeoutMs);
    if (!forceCancel && !expired) return HGN_OK;
    HgnJob j;
    HgnStatus e = m->store->ops->get(m->store, listed->id, &j); /* the whole row: the write covers it */
    if (e && hgnStatusCode(e) == HGN_CODE_JobNotFound) {        /* deleted meanwhile */
        hgnStatusFree(e);
        return HGN_OK;
    }
    /* cppcheck-suppress returnDanglingLifetime ; the status is a heap object, not a view of the local */
    if (e) return e;
    if (j.state == HGN_JOB_RUNNING) {
        /* against the lease as read: a runner that renewed it meanwhile (not forced) or ended keeps it */
        HgnJobExpect ex = {.state = HGN_JOB_RUNNING,
                           .leaseOwner = j.leaseOwner,
                           .leaseExpiredBefore = forceCancel ? 0 : now,
                           .cancelSeen = j.cancelRequested,
                           .pauseSeen = j.pauseRequested};
        char msg[512];
        const char *owner = j.leaseOwner ? j.leaseOwner : "?";
        if (forceCancel && !expired)
            snprintf(msg, sizeof msg, "cancelled by force: the runner `%s` did not stop within %lld ms", owner,
                     (long long)m->cfg.cancelTimeoutMs);
        else if (forceCancel || j.pauseRequested)
            snprintf(msg, sizeof msg, "%s requested before the runner died (the lease of `%s` expired)",
                     forceCancel ? "cancel" : "pause", owner);
        else
            snprintf(msg, sizeof msg, "the lease of `%s` expired (its runner stopped renewing it): requeued", owner);
        HgnJobState to = forceCancel ? HGN_JOB_CANCELLED : j.pauseRequested ? HGN_JOB_PAUSED : HGN_JOB_QUEUED;
        e = managerTransitionEx(m, &j, to, msg, &ex);
        if (!e) {
            *moved = true;
            HGN_WARN("jobs", "job %s: %s", j.id, msg);
        }
        if (managerCasLost(e)) {
            hgnStatusFree(e);
            e = HGN_OK;
        }
    }
    hgnJobClear(&j);
    return e;
}

HgnStatus hgnJobRecover(HgnJobManager *m, size_t *recovered) {
    *recovered = 0;
    pthread_mutex_lock(&m->recoverMu); /* one reap at a time per manager (the CAS makes it safe anyway) */
    int64_t now = managerNow(m);
    HgnJobFilter f = {.stateMask = 1 << HGN_JOB_RUNNING};
    HgnJobList l = {0};
    HgnStatus e = m->store->ops->list(m->store, &f, &l);
    for (size_t i = 0; !e && i < l.count; i++) {
        bool moved = false;
        e = reapOne(m, &l.items[i], now, &moved);
        if (moved) (*recovered)++;
    }
    hgnJobListFree(&l);
    /* a safety net for rows the list missed (started meanwhile): expired leases back to QUEUED */
    size_t more = 0;
    if (!e) e = m->store->ops->reapExpired(m->store, now, &more);
    pthread_mutex_unlock(&m->recoverMu);
    if (!e && more) {
        *recovered += more;
        pthread_mutex_lock(&m->mu);
        m->counters.transitions[HGN_JOB_RUNNING][HGN_JOB_QUEUED] += (int64_t)more;
        pthread_mutex_unlock(&m->mu);
    }
    return e;
}

HgnStatus hgnJobRunNext(HgnJobManager *m, bool *ran) {
    *ran = false;
    size_t reaped = 0;
    HgnStatus e = hgnJobRecover(m, &reaped);
    /* cppcheck-suppress returnDanglingLifetime ; the status is a heap object, not a view of the local */
    if (e) return e;
    HgnJob j;
    bool found = false;
    HgnJobClaimPolicy policy = {.maxRunningPerOwner = m->cfg.maxRunningPerOwner,
                                .maxMemoryPerOwner = m->cfg.maxMemoryPerOwner,
                                .shares = m->cfg.shares,
                                .nShares = m->cfg.nShares,
                                .defaultShare = m->cfg.defaultShare};
    e = m->store->ops->claim(m->store, m->id, managerNow(m), m->cfg.leaseMs, &policy, &j, &found);
    /* cppcheck-suppress returnDanglingLifetime ; the status is a heap object, not a view of the local */
    if (e || !found) return e;
    *ran = true;
    pthread_mutex_lock(&m->mu);
    m->counters.transitions[HGN_JOB_QUEUED][HGN_JOB_RUNNING]++;
    pthread_mutex_unlock(&m->mu);
    jobMetricsClaimed(m, &j);
    /* the message names the manager that took the lease (a job's runs can be told apart) */
    HgnJobEvent ev = {.kind = HGN_JOB_EVENT_STATE, .from = HGN_JOB_QUEUED, .to = HGN_JOB_RUNNING, .message = m->id};
    memcpy(ev.jobId, j.id, sizeof ev.jobId);
    managerEmit(m, &ev);
    e = executionRunJob(m, &j);
    jobMetricsRunDone();
    hgnJobClear(&j);
    return e;
}

HgnStatus hgnJobStatsGet(HgnJobManager *m, HgnJobStats *out) {
    pthread_mutex_lock(&m->mu);
    *out = m->counters;
    pthread_mutex_unlock(&m->mu);
    jobMetricsSnapshot(m, out);
    HgnStatus e = m->store->ops->countByState(m->store, NULL, out->byState);
    if (e) return e;
    out->queueDepth = out->byState[HGN_JOB_QUEUED];
    out->running = out->byState[HGN_JOB_RUNNING];
    return HGN_OK;
}
