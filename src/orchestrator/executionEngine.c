/* executionEngine.c — drives a leased job's plan through the local runtime
 * (hgnRuntimeOpenPlan + hgnGenerate) in recorded steps (one per generated
 * text piece), keeps the lease alive by heartbeat, honours graceful
 * cancel/pause at the end of the run, and retries transient failures with
 * full-jitter exponential backoff up to the job's maximum attempts. Permanent
 * errors (bad plan, bad input) fail the job at once. Checkpoints: the runtime
 * writes checkpoint.zst into the job's artefacts folder every
 * checkpointEvery tokens; the engine records each one it sees (at heartbeat
 * times and at the end), and a job that starts again (retry, or recovery
 * after a crash: lease expiry) resumes from that checkpoint. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "huginn/plan.h"
#include "huginn/runtime.h"
#include "orchestrator/jobManagerInt.h"
#include "orchestrator/jobOptions.h"
#include "orchestrator/jobTrace.h"

typedef ExecStep RunCtx;

static HgnStatus mkdirs(const char *path) {
    char *p = hgnStrdup(path);
    if (!p) return hgnStatusNew(HGN_CODE_OutOfMemory, path, NULL, "artefacts folder");
    for (char *q = p + 1;; q++) {
        if (*q == '/' || *q == 0) {
            char c = *q;
            *q = 0;
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                HgnStatus e = hgnStatusNew(HGN_CODE_IoError, p, "check permissions on the store folder",
                                           "cannot create the artefacts folder: %s", strerror(errno));
                hgnFree(p);
                return e;
            }
            *q = c;
            if (!c) break;
        }
    }
    hgnFree(p);
    return HGN_OK;
}

/* Records a new checkpoint.zst (by mtime) as a CHECKPOINT event. */
static void noteCheckpoint(ExecStep *c) {
    HgnJob *j = c->job;
    if (!j->artefactsPath) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/checkpoint.zst", j->artefactsPath);
    struct stat sb;
    if (stat(path, &sb) != 0) return;
    int64_t ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    if (ns == c->checkpointMtimeNs) return;
    c->checkpointMtimeNs = ns;
    char *dup = hgnStrdup(path);
    if (!dup) return;
    hgnFree(j->checkpointPath);
    j->checkpointPath = dup;
    j->checkpointStep = j->stepsDone;
    HgnJobEvent ev = {
        .kind = HGN_JOB_EVENT_CHECKPOINT, .stepsDone = j->stepsDone, .stepsTotal = j->stepsTotal, .message = path};
    memcpy(ev.jobId, j->id, sizeof ev.jobId);
    managerEmit(c->m, &ev);
}

static void onText(void *p, const char *text, size_t len) {
    (void)text;
    (void)len;
    executionRecordStep(p);
}

void executionRecordStep(ExecStep *c) {
    if (c->leaseLost) return;
    HgnJob *j = c->job;
    j->stepsDone++;
    j->progress = j->stepsTotal > 0 ? (double)j->stepsDone / (double)j->stepsTotal : 0;
    if (j->progress > 1) j->progress = 1;
    int64_t now = managerNow(c->m);
    bool persist = false;
    if (now - c->lastBeatMs >= c->m->cfg.leaseMs / 3) {
        persist = true;
        HgnStatus e = c->m->store->ops->heartbeat(c->m->store, j->id, c->m->id, now + c->m->cfg.leaseMs);
        if (e) {
            c->leaseLost = true;
            hgnStatusFree(e);
            return;
        }
        c->lastBeatMs = now;
        noteCheckpoint(c);
    }
    if (c->trace) jobTraceStep(c->trace);
    pthread_mutex_lock(&c->m->mu);
    c->m->counters.stepsRecorded++;
    pthread_mutex_unlock(&c->m->mu);
    HgnJobEvent ev = {.kind = HGN_JOB_EVENT_PROGRESS, .stepsDone = j->stepsDone, .stepsTotal = j->stepsTotal};
    memcpy(ev.jobId, j->id, sizeof ev.jobId);
    managerEmitEx(c->m, &ev, persist);
}

static HgnStatus runOnce(RunCtx *c, char **resultText) {
    HgnJob *j = c->job;
    *resultText = NULL;
    HgnPlan *plan = NULL;
    HgnRuntime *rt = NULL;
    HgnStatus e = hgnPlanReadJson(j->planJson, strlen(j->planJson), j->planPath ? j->planPath : j->id, &plan);
    HgnRuntimeOptions ro;
    hgnRuntimeOptionsInit(&ro);
    if (!e) e = hgnRuntimeOpenPlan(plan, j->planPath, &ro, &rt);
    bool resume = false;
    if (!e && j->artefactsPath) {
        e = mkdirs(j->artefactsPath);
        char ck[4096];
        snprintf(ck, sizeof ck, "%s/checkpoint.zst", j->artefactsPath);
        struct stat sb;
        resume = !e && stat(ck, &sb) == 0;
        if (resume) c->checkpointMtimeNs = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    }
    if (!e && c->trace) jobTraceBegin(c->trace, j->artefactsPath, j->id, plan);
    if (!e) {
        HgnGenerateOptions go;
        hgnGenerateOptionsInit(&go);
        go.maxTokens = j->maxTokens > 0 ? j->maxTokens : 16;
        go.ignoreEos = c->m->cfg.ignoreEos;
        HgnJobOptions jo; /* sampling, stop strings, ignoreEos of the job (checked at submit) */
        e = hgnJobOptionsParse(j->optionsJson, &jo);
        hgnJobOptionsApply(&jo, &go);
        if (j->artefactsPath) {
            go.artifactsDir = j->artefactsPath;
            go.checkpointEvery = c->m->cfg.checkpointEvery;
            if (resume) go.resumeDir = j->artefactsPath;
        }
        go.onText = onText;
        go.onTextCtx = c;
        j->stepsDone = 0;
        j->stepsTotal = go.maxTokens;
        HgnGenerateResult r;
        memset(&r, 0, sizeof r);
        const char *prompt = j->prompt && *j->prompt ? j->prompt : "Hello";
        if (!e) e = hgnGenerate(rt, prompt, strlen(prompt), &go, &r);
        hgnJobOptionsClear(&jo);
        if (!e) noteCheckpoint(c);
        if (!e) {
            *resultText = hgnStrdup(r.text ? r.text : "");
            j->stepsTotal = j->stepsDone;
            j->progress = 1;
            hgnFree(j->metricsJson);
            HgnRuntimeStats st;
            hgnRuntimeGetStats(rt, &st);
            char buf[200];
            snprintf(buf, sizeof buf,
                     "{\"promptTokens\":%zu,\"generatedTokens\":%zu,\"stopReason\":\"%s\",\"resumedAt\":%d,"
                     "\"deviceLossRetries\":%d}",
                     r.nPromptTokens, r.nTokens, r.stopReason ? r.stopReason : "", (int)r.resumedAt,
                     (int)r.retriesDeviceLost);
            j->metricsJson = hgnStrdup(buf);
        }
        hgnGenerateResultFree(&r);
    }
    hgnRuntimeFree(rt);
    hgnPlanFree(plan);
    return e;
}

HgnStatus executionRunJob(HgnJobManager *m, HgnJob *job) {
    JobTrace trace = {0};
    RunCtx c = {.m = m, .job = job, .lastBeatMs = managerNow(m), .trace = &trace};
    char *result = NULL;
    HgnStatus runErr = runOnce(&c, &result);
    jobTraceEnd(&trace, !runErr); /* a no-op write when tracing never began */
    /* the lease must still be ours before anything is written */
    HgnStatus e = m->store->ops->heartbeat(m->store, job->id, m->id, managerNow(m) + m->cfg.leaseMs);
    if (e || c.leaseLost) {
        hgnFree(result);
        hgnStatusFree(runErr);
        return e ? e
                 : hgnStatusNew(HGN_CODE_InvalidTransition, job->id, NULL, "the lease on job `%s` was lost", job->id);
    }
    /* graceful cancel / pause asked meanwhile? */
    HgnJob cur;
    e = m->store->ops->get(m->store, job->id, &cur);
    if (e) {
        hgnFree(result);
        hgnStatusFree(runErr);
        /* cppcheck-suppress returnDanglingLifetime ; the status is a heap object, not a view of the local */
        return e;
    }
    job->cancelRequested = cur.cancelRequested;
    job->pauseRequested = cur.pauseRequested;
    hgnJobClear(&cur);
    if (job->cancelRequested) {
        hgnFree(result);
        hgnStatusFree(runErr);
        return managerTransition(m, job, HGN_JOB_CANCELLED, "cancelled at the end of a step");
    }
    if (!runErr) {
        hgnFree(job->resultText);
        job->resultText = result;
        hgnFree(job->lastError);
        job->lastError = NULL;
        return managerTransition(m, job, HGN_JOB_COMPLETED, NULL);
    }
    hgnFree(job->lastError);
    job->lastError = hgnStatusToJson(runErr);
    bool retry = hgnJobCodeRetryable(hgnStatusCode(runErr)) && job->attempts < job->maxAttempts;
    hgnStatusFree(runErr);
    if (job->pauseRequested) return managerTransition(m, job, HGN_JOB_PAUSED, job->lastError);
    if (retry) {
        int64_t wait = hgnJobBackoffMs(m->cfg.backoffBaseMs, m->cfg.backoffCapMs, job->attempts, managerRandom(m));
        job->notBeforeMs = managerNow(m) + wait;
        pthread_mutex_lock(&m->mu);
        m->counters.retries++;
        pthread_mutex_unlock(&m->mu);
        return managerTransition(m, job, HGN_JOB_QUEUED, job->lastError);
    }
    return managerTransition(m, job, HGN_JOB_FAILED, job->lastError);
}
